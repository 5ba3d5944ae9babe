"""The static material of the demo catalog: stores, the category tree, and
the product lines each leaf category draws its products from.

Everything here is fictional except brand and model names, which are real so
that searches for "galaxy", "geladeira brastemp" or "airpods" behave as they
would on the real product. Prices are in reais, roughly the Brazilian street
prices of 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreSpec:
    slug: str
    name: str
    url: str
    # Prefix of the store's SKUs in offer external ids ("SKU-IPI-000123").
    sku_prefix: str
    # Slugs of the root categories the store sells; None means all of them.
    sells: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A family of products: one brand, a name template, and the options whose
    every combination is one distinct product (and its attributes)."""

    brand: str
    template: str
    options: Mapping[str, tuple[str, ...]]
    price_reais: tuple[int, int]


@dataclass(frozen=True, slots=True)
class CategorySpec:
    slug: str
    name: str
    children: tuple[CategorySpec, ...] = ()
    # Only leaves have product lines; products live in leaf categories.
    lines: tuple[ProductLine, ...] = ()
    # Relative share of the catalog this leaf gets (while it has names left).
    weight: float = 1.0
    # Sentences a product description in this leaf picks from.
    blurbs: tuple[str, ...] = ()


# Option values of these keys are listed cheapest first, so a product's place
# in them moves its price inside its line's range (256GB costs more than
# 128GB). Keys not listed here (colour, voltage, gender...) leave price alone.
PRICE_RISING_KEYS = frozenset(
    {
        "modelo",
        "armazenamento",
        "memoria_ram",
        "processador",
        "tela",
        "capacidade",
        "potencia",
        "btus",
        "volume",
        "tamanho",
        "lugares",
        "peso",
        "edicao",
        "conectividade",
        "aro",
    }
)

STORES: tuple[StoreSpec, ...] = (
    StoreSpec("loja-ipiranga", "Loja Ipiranga", "https://www.lojaipiranga.example.com.br", "IPI"),
    StoreSpec(
        "megashop-brasil", "MegaShop Brasil", "https://www.megashopbrasil.example.com.br", "MEG"
    ),
    StoreSpec(
        "casa-e-cia",
        "Casa & Cia",
        "https://www.casaecia.example.com.br",
        "CEC",
        sells=("casa", "eletrodomesticos", "beleza-e-perfumaria"),
    ),
    StoreSpec(
        "technorte",
        "TechNorte",
        "https://www.technorte.example.com.br",
        "TNO",
        sells=("eletronicos", "informatica", "games"),
    ),
    StoreSpec(
        "bazar-paulista", "Bazar Paulista", "https://www.bazarpaulista.example.com.br", "BZP"
    ),
    StoreSpec(
        "magazine-sertao", "Magazine Sertão", "https://www.magazinesertao.example.com.br", "MGS"
    ),
    StoreSpec(
        "eletrosul",
        "EletroSul",
        "https://www.eletrosul.example.com.br",
        "ELS",
        sells=("eletronicos", "eletrodomesticos", "informatica", "games"),
    ),
    StoreSpec(
        "arena-esportes",
        "Arena Esportes",
        "https://www.arenaesportes.example.com.br",
        "ARE",
        sells=("esporte-e-lazer", "games"),
    ),
)

# Shared option lists.
_PHONE_COLORS = ("Preto", "Branco", "Azul", "Verde", "Grafite", "Lilás")
_VOLTAGES = ("110V", "220V")
_VOLTAGES_BIVOLT = ("110V", "220V", "Bivolt")
_APPLIANCE_FINISH = ("Branca", "Inox", "Preta")

CELULARES = CategorySpec(
    "celulares-e-smartphones",
    "Celulares e Smartphones",
    weight=3.0,
    blurbs=(
        "Tela de alta definição, câmera com inteligência artificial e bateria para o dia todo.",
        "Desempenho rápido para jogos, redes sociais e fotos noturnas com ótimo nível de detalhe.",
        "Conectividade 5G, carregamento rápido e certificação de resistência à água.",
        "Smartphone desbloqueado, compatível com todas as operadoras do Brasil.",
    ),
    lines=(
        ProductLine(
            "Samsung",
            "Smartphone Samsung Galaxy {modelo} {armazenamento} {cor}",
            {
                "modelo": ("A15", "A25", "A35", "A55", "S23 FE", "S23", "S24", "S24+", "S24 Ultra"),
                "armazenamento": ("128GB", "256GB", "512GB"),
                "cor": _PHONE_COLORS,
            },
            (900, 9000),
        ),
        ProductLine(
            "Apple",
            "iPhone {modelo} Apple {armazenamento} {cor}",
            {
                "modelo": ("13", "14", "15", "15 Plus", "15 Pro", "15 Pro Max"),
                "armazenamento": ("128GB", "256GB", "512GB"),
                "cor": ("Preto", "Branco", "Azul", "Rosa", "Verde", "Titânio Natural"),
            },
            (3800, 9000),
        ),
        ProductLine(
            "Motorola",
            "Smartphone Motorola Moto {modelo} 5G {armazenamento} {cor}",
            {
                "modelo": ("G24", "G34", "G54", "G84", "Edge 40 Neo", "Edge 50 Pro"),
                "armazenamento": ("128GB", "256GB"),
                "cor": ("Preto", "Azul", "Verde", "Grafite", "Rosa"),
            },
            (800, 3500),
        ),
        ProductLine(
            "Xiaomi",
            "Smartphone Xiaomi {modelo} {armazenamento} {memoria_ram} RAM {cor}",
            {
                "modelo": ("Redmi 13C", "Redmi Note 13", "Redmi Note 13 Pro", "Poco X6 Pro"),
                "memoria_ram": ("6GB", "8GB", "12GB"),
                "armazenamento": ("128GB", "256GB", "512GB"),
                "cor": ("Preto", "Azul", "Verde", "Roxo"),
            },
            (900, 3200),
        ),
        ProductLine(
            "Samsung",
            "Smartphone Samsung Galaxy Z {modelo} {armazenamento} {cor}",
            {
                "modelo": ("Flip5", "Flip6", "Fold5", "Fold6"),
                "armazenamento": ("256GB", "512GB"),
                "cor": ("Grafite", "Creme", "Lavanda", "Azul"),
            },
            (4500, 9000),
        ),
        ProductLine(
            "Realme",
            "Smartphone Realme {modelo} {armazenamento} {cor}",
            {
                "modelo": ("C55", "C67", "11 Pro", "12 Pro+"),
                "armazenamento": ("128GB", "256GB"),
                "cor": ("Preto", "Verde", "Dourado"),
            },
            (1000, 3000),
        ),
    ),
)

TVS = CategorySpec(
    "tvs",
    "TVs",
    weight=1.5,
    blurbs=(
        "Imagem 4K com cores vivas, HDR e acesso a Netflix, Globoplay e YouTube.",
        "Smart TV com comando de voz, Wi-Fi e Bluetooth integrados.",
        "Modo Game com baixa latência e entradas HDMI 2.1 para consoles de nova geração.",
    ),
    lines=(
        ProductLine(
            "LG",
            'Smart TV LG {tela}" {tecnologia} ThinQ AI {ano}',
            {
                "tela": ("43", "50", "55", "65", "75", "86"),
                "tecnologia": ("4K UHD", "NanoCell 4K", "QNED 4K", "OLED evo 4K"),
                "ano": ("2023", "2024"),
            },
            (1800, 14000),
        ),
        ProductLine(
            "Samsung",
            'Smart TV Samsung {tela}" {tecnologia} {ano}',
            {
                "tela": ("43", "50", "55", "65", "75", "85"),
                "tecnologia": ("Crystal UHD 4K", "QLED 4K", "Neo QLED 4K", "OLED 4K"),
                "ano": ("2022", "2023", "2024"),
            },
            (1900, 16000),
        ),
        ProductLine(
            "TCL",
            'Smart TV TCL {tela}" {tecnologia} Google TV',
            {
                "tela": ("32", "43", "50", "55", "65", "75"),
                "tecnologia": ("LED Full HD", "4K UHD", "QLED 4K", "Mini LED 4K"),
            },
            (1100, 9000),
        ),
        ProductLine(
            "Philips",
            'Smart TV Philips {tela}" 4K {tecnologia} Ambilight',
            {"tela": ("43", "50", "55", "65", "70"), "tecnologia": ("UHD", "The One", "OLED")},
            (2000, 9500),
        ),
        ProductLine(
            "Philco",
            'Smart TV Philco {tela}" {tecnologia} {sistema}',
            {
                "tela": ("32", "40", "43", "50", "55"),
                "tecnologia": ("LED", "QLED"),
                "sistema": ("Android TV", "Roku TV", "Google TV"),
            },
            (950, 2900),
        ),
        ProductLine(
            "Sony",
            'Smart TV Sony Bravia {tela}" {serie} 4K Google TV',
            {
                "tela": ("50", "55", "65", "75", "85"),
                "serie": ("X75K", "X80L", "X90L", "A80L OLED"),
            },
            (3200, 19000),
        ),
        ProductLine(
            "Hisense",
            'Smart TV Hisense {tela}" {tecnologia} VIDAA',
            {
                "tela": ("40", "43", "50", "55", "65"),
                "tecnologia": ("Full HD", "4K UHD", "ULED 4K"),
            },
            (1200, 4800),
        ),
        ProductLine(
            "AOC",
            'Smart TV AOC {tela}" {tecnologia} Roku TV',
            {"tela": ("32", "43", "50", "55"), "tecnologia": ("HD", "Full HD", "4K UHD")},
            (1000, 2800),
        ),
    ),
)

FONES = CategorySpec(
    "fones-de-ouvido",
    "Fones de Ouvido",
    weight=1.2,
    blurbs=(
        "Som potente com graves reforçados e conexão Bluetooth estável.",
        "Cancelamento de ruído ativo para ouvir música sem distrações no metrô ou no avião.",
        "Bateria de longa duração e microfone embutido para chamadas.",
    ),
    lines=(
        ProductLine(
            "JBL",
            "Fone de Ouvido JBL {modelo} Bluetooth {cor}",
            {
                "modelo": ("Tune 510BT", "Tune 520BT", "Tune 720BT", "Live 660NC", "Tour One M2"),
                "cor": ("Preto", "Branco", "Azul", "Rosa", "Roxo"),
            },
            (200, 1900),
        ),
        ProductLine(
            "JBL",
            "Fone de Ouvido Sem Fio JBL {modelo} True Wireless {cor}",
            {
                "modelo": ("Wave Buds", "Tune Buds", "Live Pro 2", "Tour Pro 2"),
                "cor": ("Preto", "Branco", "Azul", "Bege"),
            },
            (250, 1700),
        ),
        ProductLine(
            "Sony",
            "Headphone Sony {modelo} Noise Cancelling {cor}",
            {
                "modelo": ("WH-CH520", "WH-CH720N", "WH-1000XM4", "WH-1000XM5"),
                "cor": ("Preto", "Prata", "Azul", "Bege"),
            },
            (300, 2600),
        ),
        ProductLine(
            "Sony",
            "Fone de Ouvido Sem Fio Sony {modelo} {cor}",
            {
                "modelo": ("WF-C500", "WF-C700N", "WF-1000XM5"),
                "cor": ("Preto", "Branco", "Lavanda"),
            },
            (400, 1900),
        ),
        ProductLine(
            "Xiaomi",
            "Fone de Ouvido Bluetooth Xiaomi Redmi Buds {modelo} {cor}",
            {"modelo": ("4 Active", "5", "5 Pro"), "cor": ("Preto", "Branco", "Azul")},
            (120, 450),
        ),
        ProductLine(
            "Philips",
            "Fone de Ouvido Philips {modelo} {cor}",
            {
                "modelo": ("TAH1205 Bluetooth", "TAT1207 True Wireless", "TAH4205 Bluetooth"),
                "cor": ("Preto", "Branco", "Azul"),
            },
            (100, 300),
        ),
        ProductLine(
            "Bose",
            "Headphone Bose {modelo} {cor}",
            {"modelo": ("QuietComfort 45", "QuietComfort Ultra"), "cor": ("Preto", "Branco Fumê")},
            (2000, 3600),
        ),
        ProductLine(
            "Apple",
            "AirPods {modelo} Apple com Estojo de Recarga {conector}",
            {
                "modelo": ("2ª Geração", "3ª Geração", "Pro 2ª Geração"),
                "conector": ("Lightning", "USB-C"),
            },
            (900, 2300),
        ),
        ProductLine(
            "Samsung",
            "Fone de Ouvido Sem Fio Samsung Galaxy Buds {modelo} {cor}",
            {"modelo": ("FE", "2", "2 Pro", "3", "3 Pro"), "cor": ("Grafite", "Branco", "Lavanda")},
            (400, 1500),
        ),
        ProductLine(
            "QCY",
            "Wireless Earbuds QCY {modelo} Bluetooth 5.3 {cor}",
            {
                "modelo": ("T13", "T13 ANC", "MeloBuds Pro", "HT05"),
                "cor": ("Preto", "Branco", "Azul"),
            },
            (100, 350),
        ),
        ProductLine(
            "Edifier",
            "Headset Edifier {modelo} Bluetooth {cor}",
            {"modelo": ("W600BT", "W820NB Plus", "WH950NB"), "cor": ("Preto", "Cinza", "Azul")},
            (250, 1200),
        ),
    ),
)

CAIXAS_DE_SOM = CategorySpec(
    "caixas-de-som",
    "Caixas de Som",
    weight=0.7,
    blurbs=(
        "Caixa de som portátil à prova d'água, ideal para praia e piscina.",
        "Som de 360 graus com bateria para até 12 horas de música.",
        "Conecte duas caixas e amplie o som da festa.",
    ),
    lines=(
        ProductLine(
            "JBL",
            "Caixa de Som Bluetooth JBL {modelo} {cor}",
            {
                "modelo": ("Go 3", "Clip 4", "Flip 6", "Charge 5", "Boombox 3", "PartyBox 110"),
                "cor": ("Preta", "Azul", "Vermelha", "Camuflada", "Verde", "Rosa"),
            },
            (250, 3800),
        ),
        ProductLine(
            "Sony",
            "Portable Speaker Sony {modelo} Bluetooth {cor}",
            {
                "modelo": ("SRS-XB100", "ULT Field 1", "ULT Field 7"),
                "cor": ("Preta", "Azul", "Branca"),
            },
            (350, 3500),
        ),
        ProductLine(
            "Amazon",
            "Echo {modelo} Amazon Smart Speaker com Alexa {cor}",
            {"modelo": ("Pop", "Dot 5ª Geração", "Studio"), "cor": ("Preto", "Branco", "Azul")},
            (280, 1700),
        ),
        ProductLine(
            "Philco",
            "Caixa de Som Amplificada Philco {modelo} Bluetooth {voltagem}",
            {
                "modelo": ("PCX5500", "PCX6500", "PCX13000 Extreme"),
                "voltagem": ("110V", "220V", "Bivolt"),
            },
            (450, 1600),
        ),
    ),
)

TABLETS = CategorySpec(
    "tablets",
    "Tablets",
    blurbs=(
        "Tela ampla para estudar, trabalhar e assistir séries em qualquer lugar.",
        "Leve e fino, com bateria de longa duração e suporte a caneta.",
    ),
    lines=(
        ProductLine(
            "Samsung",
            "Tablet Samsung Galaxy Tab {modelo} {armazenamento} {conectividade} {cor}",
            {
                "modelo": ("A9", "A9+", "S9 FE", "S9"),
                "armazenamento": ("64GB", "128GB", "256GB"),
                "conectividade": ("Wi-Fi", "5G"),
                "cor": ("Grafite", "Prata"),
            },
            (900, 6500),
        ),
        ProductLine(
            "Apple",
            "iPad {modelo} Apple {armazenamento} {conectividade} {cor}",
            {
                "modelo": ("10ª Geração", "Air M2", "Pro M4"),
                "armazenamento": ("64GB", "128GB", "256GB"),
                "conectividade": ("Wi-Fi", "Wi-Fi + Cellular"),
                "cor": ("Cinza-espacial", "Azul", "Prateado"),
            },
            (3500, 14000),
        ),
        ProductLine(
            "Lenovo",
            "Tablet Lenovo Tab {modelo} {armazenamento} Wi-Fi {cor}",
            {
                "modelo": ("M9", "M10", "M11", "P12"),
                "armazenamento": ("64GB", "128GB"),
                "cor": ("Cinza", "Azul"),
            },
            (800, 3000),
        ),
        ProductLine(
            "Xiaomi",
            "Tablet Xiaomi Pad {modelo} {armazenamento} {cor}",
            {
                "modelo": ("SE", "6"),
                "armazenamento": ("128GB", "256GB"),
                "cor": ("Cinza", "Azul", "Dourado"),
            },
            (1100, 3200),
        ),
    ),
)

SMARTWATCHES = CategorySpec(
    "smartwatches",
    "Smartwatches",
    blurbs=(
        "Monitoramento de frequência cardíaca, sono e mais de 100 modos de exercício.",
        "GPS integrado, notificações do celular no pulso e resistência à água.",
    ),
    lines=(
        ProductLine(
            "Apple",
            "Apple Watch {modelo} GPS Caixa {tamanho} Pulseira {cor}",
            {
                "modelo": ("SE", "Series 9", "Series 10", "Ultra 2"),
                "tamanho": ("41mm", "45mm"),
                "cor": ("Meia-noite", "Estelar", "Rosa", "Azul-tempestade", "Prateado"),
            },
            (2300, 9000),
        ),
        ProductLine(
            "Samsung",
            "Smartwatch Samsung Galaxy Watch {modelo} {tamanho} {cor}",
            {
                "modelo": ("FE", "6", "6 Classic", "7"),
                "tamanho": ("40mm", "44mm"),
                "cor": ("Grafite", "Prata", "Dourado"),
            },
            (900, 2800),
        ),
        ProductLine(
            "Xiaomi",
            "Smartwatch Xiaomi {modelo} {cor}",
            {
                "modelo": ("Smart Band 8", "Smart Band 9", "Smart Band 8 Pro", "Redmi Watch 4"),
                "cor": ("Preto", "Prata", "Rosa", "Azul"),
            },
            (200, 800),
        ),
        ProductLine(
            "Amazfit",
            "Smartwatch Amazfit {modelo} {cor}",
            {
                "modelo": ("Bip 5", "GTS 4 Mini", "GTR 4", "Balance"),
                "cor": ("Preto", "Cinza", "Rosa"),
            },
            (450, 1800),
        ),
        ProductLine(
            "Garmin",
            "Relógio Garmin {modelo} GPS {cor}",
            {
                "modelo": ("Forerunner 55", "Forerunner 265", "Venu Sq 2", "Venu 3"),
                "cor": ("Preto", "Branco", "Azul"),
            },
            (1300, 3900),
        ),
    ),
)

NOTEBOOKS = CategorySpec(
    "notebooks",
    "Notebooks",
    weight=2.5,
    blurbs=(
        "Ideal para trabalho, estudos e multitarefa, com tela antirreflexo e teclado ABNT2.",
        "Armazenamento SSD para ligar em segundos e abrir programas sem espera.",
        "Leve e com bateria de longa duração, acompanha Windows 11 Home.",
    ),
    lines=(
        ProductLine(
            "Dell",
            "Notebook Dell {modelo} Intel Core {processador} {memoria_ram} {armazenamento} SSD",
            {
                "modelo": ("Vostro 15", "Inspiron 15", "Inspiron 14 2 em 1", "XPS 13"),
                "processador": ("i3", "i5", "i7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("256GB", "512GB", "1TB"),
            },
            (2600, 12000),
        ),
        ProductLine(
            "Lenovo",
            "Notebook Lenovo {modelo} {processador} {memoria_ram} {armazenamento} SSD",
            {
                "modelo": ("IdeaPad 1", "IdeaPad Slim 3", "IdeaPad Slim 5", "ThinkPad E14"),
                "processador": ("AMD Ryzen 5", "Intel Core i5", "Intel Core i7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("256GB", "512GB"),
            },
            (2300, 7500),
        ),
        ProductLine(
            "Acer",
            "Notebook Acer {modelo} Intel Core {processador} {memoria_ram} {armazenamento} SSD",
            {
                "modelo": ("Aspire 3", "Aspire 5", "Swift Go 14", "Nitro V 15 Gamer"),
                "processador": ("i5", "i7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("512GB", "1TB"),
            },
            (2700, 8000),
        ),
        ProductLine(
            "Asus",
            "Notebook Asus {modelo} {processador} {memoria_ram} {armazenamento} SSD",
            {
                "modelo": ("Vivobook 15", "Zenbook 14 OLED", "TUF Gaming F15"),
                "processador": ("Intel Core i5", "AMD Ryzen 7", "Intel Core i7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("512GB", "1TB"),
            },
            (2900, 8500),
        ),
        ProductLine(
            "Samsung",
            "Notebook Samsung Galaxy {modelo} Intel Core {processador} {memoria_ram} "
            "{armazenamento} SSD",
            {
                "modelo": ("Book3", "Book4", "Book4 Pro"),
                "processador": ("i5", "i7", "Ultra 7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("256GB", "512GB"),
            },
            (3000, 11000),
        ),
        ProductLine(
            "Apple",
            "MacBook {modelo} Apple {processador} {memoria_ram} {armazenamento} SSD {cor}",
            {
                "modelo": ('Air 13"', 'Air 15"', 'Pro 14"'),
                "processador": ("M2", "M3", "M3 Pro"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("256GB", "512GB"),
                "cor": ("Meia-noite", "Estelar", "Prateado", "Cinza-espacial"),
            },
            (7000, 19000),
        ),
        ProductLine(
            "HP",
            "Notebook HP {modelo} {processador} {memoria_ram} {armazenamento} SSD",
            {
                "modelo": ("256 G9", "15 Laptop", "Pavilion 15", "Victus 15 Gamer"),
                "processador": ("Intel Core i3", "Intel Core i5", "AMD Ryzen 7"),
                "memoria_ram": ("8GB", "16GB"),
                "armazenamento": ("256GB", "512GB"),
            },
            (2200, 7000),
        ),
    ),
)

MONITORES = CategorySpec(
    "monitores",
    "Monitores",
    blurbs=(
        "Painel com bordas finas, ótimo para home office e setups com dois monitores.",
        "Alta taxa de atualização e tempo de resposta de 1 ms para jogos competitivos.",
    ),
    lines=(
        ProductLine(
            "LG",
            'Monitor LG {linha} {tela}" {resolucao} {taxa} IPS',
            {
                "linha": ("UltraGear", "UltraWide", "UltraFine"),
                "tela": ("24", "27", "32"),
                "resolucao": ("Full HD", "QHD", "4K"),
                "taxa": ("75Hz", "144Hz", "165Hz"),
            },
            (700, 4500),
        ),
        ProductLine(
            "Samsung",
            'Monitor Samsung {linha} {tela}" {resolucao} {taxa}',
            {
                "linha": ("Essential", "Odyssey G5 Curvo", "ViewFinity S6"),
                "tela": ("24", "27", "32"),
                "resolucao": ("Full HD", "QHD"),
                "taxa": ("75Hz", "165Hz"),
            },
            (650, 3500),
        ),
        ProductLine(
            "Dell",
            'Monitor Dell {modelo} {tela}" {resolucao}',
            {
                "modelo": ("SE2425H", "S2721DS", "P2723QE"),
                "tela": ("24", "27"),
                "resolucao": ("Full HD", "QHD", "4K"),
            },
            (800, 3800),
        ),
        ProductLine(
            "AOC",
            'Monitor Gamer AOC Hero {tela}" {taxa} {painel}',
            {
                "tela": ("24", "27"),
                "taxa": ("144Hz", "165Hz", "180Hz"),
                "painel": ("IPS", "VA Curvo"),
            },
            (750, 1800),
        ),
    ),
)

MOUSES = CategorySpec(
    "mouses",
    "Mouses",
    weight=0.5,
    blurbs=(
        "Sensor de alta precisão e design ergonômico para longas jornadas.",
        "Conexão sem fio estável com receptor USB e pilha de longa duração.",
    ),
    lines=(
        ProductLine(
            "Logitech",
            "Wireless Mouse Logitech {modelo} {cor}",
            {
                "modelo": (
                    "M170",
                    "M280",
                    "Pebble M350",
                    "Signature M650",
                    "MX Anywhere 3S",
                    "MX Master 3S",
                ),
                "cor": ("Grafite", "Branco", "Rosa", "Azul"),
            },
            (60, 750),
        ),
        ProductLine(
            "Logitech",
            "Mouse Gamer Logitech {modelo} {cor}",
            {
                "modelo": ("G203 Lightsync", "G305 Lightspeed", "G502 Hero", "G Pro X Superlight"),
                "cor": ("Preto", "Branco", "Lilás"),
            },
            (130, 900),
        ),
        ProductLine(
            "Redragon",
            "Mouse Gamer Redragon {modelo} RGB {cor}",
            {
                "modelo": ("Cobra M711", "King Cobra M711-FPS", "Storm Elite M988", "Griffin M607"),
                "cor": ("Preto", "Branco"),
            },
            (90, 250),
        ),
        ProductLine(
            "Razer",
            "Mouse Gamer Razer {modelo}",
            {"modelo": ("DeathAdder Essential", "Basilisk V3", "Viper V2 Pro")},
            (150, 900),
        ),
    ),
)

TECLADOS = CategorySpec(
    "teclados",
    "Teclados",
    weight=0.5,
    blurbs=(
        "Layout ABNT2 com cedilha e teclas de perfil confortável.",
        "Switches mecânicos duráveis e iluminação RGB personalizável.",
    ),
    lines=(
        ProductLine(
            "Redragon",
            "Teclado Mecânico Gamer Redragon {modelo} RGB Switch {switch} {layout}",
            {
                "modelo": ("Kumara K552", "Dragonborn K630", "Fizz K617"),
                "switch": ("Blue", "Brown", "Red"),
                "layout": ("ABNT2", "US"),
            },
            (180, 400),
        ),
        ProductLine(
            "Logitech",
            "Teclado Logitech {modelo} ABNT2 {cor}",
            {
                "modelo": (
                    "K120 USB",
                    "K380 Multi-Device Bluetooth",
                    "Pop Keys Sem Fio",
                    "MX Keys S Sem Fio",
                ),
                "cor": ("Grafite", "Branco", "Rosa"),
            },
            (70, 900),
        ),
        ProductLine(
            "HyperX",
            "Teclado Mecânico HyperX Alloy {modelo} Switch {switch}",
            {
                "modelo": ("Origins Core", "Origins 60", "Origins 65"),
                "switch": ("Red", "Aqua", "Blue"),
            },
            (350, 800),
        ),
    ),
)

ARMAZENAMENTO = CategorySpec(
    "armazenamento",
    "Armazenamento",
    blurbs=(
        "Velocidades de leitura e gravação muito superiores às de um HD convencional.",
        "Guarde fotos, vídeos e backups com segurança.",
    ),
    lines=(
        ProductLine(
            "Kingston",
            "SSD Kingston {modelo} {capacidade} M.2 NVMe",
            {
                "modelo": ("A400 SATA", "NV2", "NV3", "KC3000"),
                "capacidade": ("240GB", "500GB", "1TB", "2TB"),
            },
            (250, 1500),
        ),
        ProductLine(
            "Samsung",
            "SSD Samsung {modelo} {capacidade}",
            {
                "modelo": ("870 EVO SATA", "980 NVMe", "990 Pro NVMe"),
                "capacidade": ("500GB", "1TB", "2TB", "4TB"),
            },
            (350, 2600),
        ),
        ProductLine(
            "WD",
            "SSD WD {modelo} {capacidade}",
            {
                "modelo": ("Green SATA", "Blue SN580 NVMe", "Black SN850X NVMe"),
                "capacidade": ("480GB", "1TB", "2TB"),
            },
            (220, 1700),
        ),
        ProductLine(
            "Kingston",
            "Pen Drive Kingston DataTraveler {modelo} {capacidade}",
            {
                "modelo": ("Exodia", "Kyson", "Exodia Onyx"),
                "capacidade": ("32GB", "64GB", "128GB", "256GB"),
            },
            (35, 250),
        ),
        ProductLine(
            "Seagate",
            "HD Externo Seagate {modelo} {capacidade} USB 3.0 {cor}",
            {
                "modelo": ("Expansion", "One Touch"),
                "capacidade": ("1TB", "2TB", "4TB", "5TB"),
                "cor": ("Preto", "Cinza", "Azul"),
            },
            (350, 1100),
        ),
        ProductLine(
            "SanDisk",
            "{modelo} SanDisk {capacidade}",
            {
                "modelo": (
                    "Pen Drive Ultra Flair USB 3.0",
                    "Cartão de Memória microSD Extreme",
                    "Portable SSD Extreme",
                ),
                "capacidade": ("64GB", "128GB", "256GB", "512GB", "1TB"),
            },
            (40, 1300),
        ),
    ),
)

IMPRESSORAS = CategorySpec(
    "impressoras",
    "Impressoras",
    weight=0.4,
    blurbs=(
        "Tanque de tinta de alto rendimento: imprima milhares de páginas com um kit de refil.",
        "Imprima e digitalize direto do celular pelo Wi-Fi.",
    ),
    lines=(
        ProductLine(
            "Epson",
            "Impressora Multifuncional Epson EcoTank {modelo} Wi-Fi {voltagem}",
            {"modelo": ("L3250", "L4260", "L6270", "L8180"), "voltagem": _VOLTAGES_BIVOLT},
            (1000, 4200),
        ),
        ProductLine(
            "HP",
            "Impressora Multifuncional HP {modelo} {voltagem}",
            {
                "modelo": (
                    "DeskJet Ink Advantage 2874",
                    "Smart Tank 581",
                    "Smart Tank 720",
                    "LaserJet M141w",
                ),
                "voltagem": _VOLTAGES_BIVOLT,
            },
            (400, 2200),
        ),
        ProductLine(
            "Canon",
            "Impressora Canon Mega Tank {modelo} {voltagem}",
            {"modelo": ("G2170", "G3110", "G4111"), "voltagem": _VOLTAGES_BIVOLT},
            (850, 1800),
        ),
        ProductLine(
            "Brother",
            "Impressora Laser Brother {modelo} {voltagem}",
            {"modelo": ("HL-1202", "HL-L2360DW", "DCP-L2540DW"), "voltagem": _VOLTAGES},
            (800, 2100),
        ),
    ),
)

GELADEIRAS = CategorySpec(
    "geladeiras",
    "Geladeiras",
    weight=1.5,
    blurbs=(
        "Frost free: não precisa descongelar, com prateleiras reguláveis e gaveta de legumes.",
        "Tecnologia inverter, mais econômica e silenciosa, com selo Procel A.",
        "Amplo espaço interno para a família e dispenser de água na porta.",
    ),
    lines=(
        ProductLine(
            "Brastemp",
            "Geladeira Brastemp Frost Free {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Duplex", "Inverse", "Side by Side"),
                "capacidade": ("375L", "400L", "443L", "462L"),
                "cor": _APPLIANCE_FINISH,
                "voltagem": _VOLTAGES,
            },
            (3200, 11000),
        ),
        ProductLine(
            "Electrolux",
            "Geladeira Electrolux Frost Free {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Duplex", "Inverse", "Multidoor"),
                "capacidade": ("310L", "371L", "400L", "454L"),
                "cor": ("Branca", "Inox Look", "Black Inox Look"),
                "voltagem": _VOLTAGES,
            },
            (2900, 9500),
        ),
        ProductLine(
            "Consul",
            "Geladeira Consul Frost Free {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Duplex", "Duplex com Freezer Embaixo"),
                "capacidade": ("300L", "340L", "397L", "410L"),
                "cor": ("Branca", "Inox"),
                "voltagem": _VOLTAGES,
            },
            (2600, 5200),
        ),
        ProductLine(
            "Samsung",
            "Refrigerador Samsung {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Evolution Inverter", "French Door", "Side by Side Bespoke"),
                "capacidade": ("460L", "518L", "576L", "615L"),
                "cor": ("Inox Look", "Black Inox", "Branco"),
                "voltagem": _VOLTAGES,
            },
            (4200, 16000),
        ),
        ProductLine(
            "Panasonic",
            "Geladeira Panasonic Frost Free {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Top Freezer", "Bottom Freezer Inverter"),
                "capacidade": ("387L", "425L", "480L"),
                "cor": ("Black Glass", "Aço Escovado", "Branca"),
                "voltagem": _VOLTAGES,
            },
            (3300, 7900),
        ),
    ),
)

FOGOES = CategorySpec(
    "fogoes",
    "Fogões",
    blurbs=(
        "Mesa de vidro temperado fácil de limpar e forno com grill.",
        "Acendimento automático e queimadores de alto rendimento.",
    ),
    lines=(
        ProductLine(
            "Brastemp",
            "Fogão {bocas} Bocas Brastemp {modelo} {cor} Bivolt",
            {
                "bocas": ("4", "5"),
                "modelo": ("Clean", "Ative! com Timer", "Gourmand"),
                "cor": ("Inox", "Preto", "Branco"),
            },
            (1500, 5200),
        ),
        ProductLine(
            "Consul",
            "Fogão {bocas} Bocas Consul {modelo} {cor} Bivolt",
            {
                "bocas": ("4", "5"),
                "modelo": ("Facilite", "com Mesa de Vidro", "Bem Estar", "Duplo Forno"),
                "cor": ("Inox", "Branco", "Preto"),
            },
            (1000, 2700),
        ),
        ProductLine(
            "Electrolux",
            "Fogão {bocas} Bocas Electrolux {modelo} {cor} Bivolt",
            {
                "bocas": ("4", "5"),
                "modelo": ("Efficient", "Experience", "Top Control"),
                "cor": ("Inox", "Preto", "Prata"),
            },
            (1100, 3400),
        ),
        ProductLine(
            "Atlas",
            "Fogão {bocas} Bocas Atlas {modelo} {cor} Bivolt",
            {
                "bocas": ("4", "5", "6"),
                "modelo": ("Mônaco Top Glass", "Agile Up Glass", "Coliseum"),
                "cor": ("Preto", "Inox", "Branco"),
            },
            (700, 1900),
        ),
        ProductLine(
            "Fischer",
            "Cooktop Fischer {bocas} Bocas {modelo} {cor} Bivolt",
            {
                "bocas": ("2", "4", "5"),
                "modelo": ("a Gás Tripla Chama", "de Indução"),
                "cor": ("Preto", "Inox", "Branco"),
            },
            (500, 3000),
        ),
    ),
)

MICRO_ONDAS = CategorySpec(
    "micro-ondas",
    "Micro-ondas",
    blurbs=(
        "Função descongelar e receitas pré-programadas para o dia a dia.",
        "Prato giratório e trava de segurança para crianças.",
    ),
    lines=(
        ProductLine(
            "Electrolux",
            "Micro-ondas Electrolux {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("20L", "23L", "31L", "34L"),
                "modelo": ("Efficient", "Experience"),
                "cor": ("Branco", "Inox", "Preto"),
                "voltagem": _VOLTAGES,
            },
            (550, 1400),
        ),
        ProductLine(
            "Panasonic",
            "Forno Microondas Panasonic {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("21L", "27L", "32L"),
                "modelo": ("Dia a Dia", "Inverter"),
                "cor": ("Branco", "Espelhado", "Preto"),
                "voltagem": _VOLTAGES,
            },
            (550, 1600),
        ),
        ProductLine(
            "Midea",
            "Micro-ondas Midea {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("20L", "30L", "35L"),
                "modelo": ("Liva", "Espelhado"),
                "cor": ("Branco", "Preto"),
                "voltagem": _VOLTAGES,
            },
            (480, 1100),
        ),
        ProductLine(
            "Brastemp",
            "Micro-ondas Brastemp {capacidade} com Grill {cor} {voltagem}",
            {
                "capacidade": ("20L", "32L", "38L"),
                "cor": ("Inox", "Branco", "Preto"),
                "voltagem": _VOLTAGES,
            },
            (700, 1700),
        ),
        ProductLine(
            "LG",
            "Microondas LG NeoChef {capacidade} Smart Inverter {cor} {voltagem}",
            {
                "capacidade": ("25L", "30L", "42L"),
                "cor": ("Preto", "Prata", "Branco"),
                "voltagem": _VOLTAGES,
            },
            (750, 1600),
        ),
    ),
)

MAQUINAS_DE_LAVAR = CategorySpec(
    "maquinas-de-lavar",
    "Máquinas de Lavar",
    blurbs=(
        "Vários programas de lavagem, inclusive para roupas delicadas e edredons.",
        "Economiza água com reaproveitamento e tem centrifugação eficiente.",
    ),
    lines=(
        ProductLine(
            "Brastemp",
            "Máquina de Lavar Brastemp {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("12kg", "13kg", "15kg"),
                "modelo": ("Ciclo Tira Manchas", "Double Wash", "Inverter"),
                "cor": ("Branca", "Titânio"),
                "voltagem": _VOLTAGES,
            },
            (1900, 4500),
        ),
        ProductLine(
            "Electrolux",
            "Lavadora de Roupas Electrolux {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("11kg", "13kg", "15kg", "17kg"),
                "modelo": ("Essential Care", "Perfect Care"),
                "cor": ("Branca", "Cinza"),
                "voltagem": _VOLTAGES,
            },
            (1700, 4200),
        ),
        ProductLine(
            "Consul",
            "Máquina de Lavar Consul {capacidade} {modelo} Branca {voltagem}",
            {
                "capacidade": ("9kg", "12kg", "15kg"),
                "modelo": ("Lavagem Econômica", "Dosagem Extra Econômica"),
                "voltagem": _VOLTAGES,
            },
            (1400, 2600),
        ),
        ProductLine(
            "Samsung",
            "Lava e Seca Samsung {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("11kg", "12kg", "13kg"),
                "modelo": ("WD11T", "Ecobubble", "Bespoke AI"),
                "cor": ("Branca", "Inox Look"),
                "voltagem": _VOLTAGES,
            },
            (3200, 7500),
        ),
        ProductLine(
            "LG",
            "Lava e Seca LG {capacidade} {modelo} {cor} {voltagem}",
            {
                "capacidade": ("11kg", "12kg", "14kg"),
                "modelo": ("VC4", "AI Direct Drive"),
                "cor": ("Branca", "Inox Look"),
                "voltagem": _VOLTAGES,
            },
            (3100, 6800),
        ),
    ),
)

AR_CONDICIONADO = CategorySpec(
    "ar-condicionado",
    "Ar-Condicionado",
    blurbs=(
        "Tecnologia inverter: até 60% mais econômico que os modelos convencionais.",
        "Filtro antibactérias e controle pelo aplicativo.",
    ),
    lines=(
        ProductLine(
            "LG",
            "Ar-Condicionado Split Inverter LG Dual Voice {btus} BTUs {ciclo} {voltagem}",
            {
                "btus": ("9.000", "12.000", "18.000", "24.000"),
                "ciclo": ("Frio", "Quente e Frio"),
                "voltagem": _VOLTAGES,
            },
            (2100, 5800),
        ),
        ProductLine(
            "Samsung",
            "Ar-Condicionado Split Inverter Samsung WindFree {btus} BTUs {ciclo} {voltagem}",
            {
                "btus": ("9.000", "12.000", "18.000", "24.000"),
                "ciclo": ("Frio", "Quente e Frio"),
                "voltagem": _VOLTAGES,
            },
            (2400, 6200),
        ),
        ProductLine(
            "Midea",
            "Ar-Condicionado Split Midea {modelo} {btus} BTUs {ciclo} {voltagem}",
            {
                "modelo": ("Xtreme Save", "AI Ecomaster"),
                "btus": ("9.000", "12.000", "18.000"),
                "ciclo": ("Frio", "Quente e Frio"),
                "voltagem": _VOLTAGES,
            },
            (1800, 4600),
        ),
        ProductLine(
            "Gree",
            "Ar-Condicionado Split Gree {modelo} {btus} BTUs {ciclo} {voltagem}",
            {
                "modelo": ("G-Top Inverter", "G-Diamond Auto"),
                "btus": ("9.000", "12.000", "18.000", "24.000"),
                "ciclo": ("Frio", "Quente e Frio"),
                "voltagem": _VOLTAGES,
            },
            (2000, 5600),
        ),
        ProductLine(
            "Elgin",
            "Ar-Condicionado Split Elgin Eco Inverter {btus} BTUs {ciclo} {voltagem}",
            {
                "btus": ("9.000", "12.000", "18.000", "24.000"),
                "ciclo": ("Frio", "Quente e Frio"),
                "voltagem": _VOLTAGES,
            },
            (1800, 5000),
        ),
    ),
)

LIQUIDIFICADORES = CategorySpec(
    "liquidificadores",
    "Liquidificadores",
    weight=0.6,
    blurbs=(
        "Lâminas de aço inox e copo resistente para sucos, vitaminas e massas.",
        "Várias velocidades e função pulsar.",
    ),
    lines=(
        ProductLine(
            "Oster",
            "Liquidificador Oster {modelo} {cor} {voltagem}",
            {
                "modelo": ("Chef 1100W", "Turbo Power 1400W", "Xpert Series 1600W"),
                "cor": ("Preto", "Vermelho", "Inox"),
                "voltagem": _VOLTAGES,
            },
            (180, 650),
        ),
        ProductLine(
            "Philips Walita",
            "Liquidificador Philips Walita {modelo} {cor} {voltagem}",
            {
                "modelo": ("Série 3000 800W", "Série 5000 1200W", "ProBlend 6 3D"),
                "cor": ("Preto", "Branco"),
                "voltagem": _VOLTAGES,
            },
            (200, 700),
        ),
        ProductLine(
            "Mondial",
            "Liquidificador Mondial {modelo} {cor} {voltagem}",
            {
                "modelo": ("Turbo L-99", "Power Turbo 1000W", "Premium L-1200"),
                "cor": ("Preto", "Vermelho", "Inox"),
                "voltagem": _VOLTAGES,
            },
            (110, 320),
        ),
        ProductLine(
            "Arno",
            "Liquidificador Arno {modelo} {cor} {voltagem}",
            {
                "modelo": ("Power Max 1000W", "Power Mix Limpa Fácil"),
                "cor": ("Preto", "Vermelho"),
                "voltagem": _VOLTAGES,
            },
            (150, 380),
        ),
    ),
)

CAFETEIRAS = CategorySpec(
    "cafeteiras",
    "Cafeteiras",
    weight=0.8,
    blurbs=(
        "Café fresquinho em minutos, com reservatório removível.",
        "Pressão de 19 bar para um espresso encorpado e com crema.",
    ),
    lines=(
        ProductLine(
            "Nespresso",
            "Cafeteira Expresso Nespresso {modelo} {cor} {voltagem}",
            {
                "modelo": ("Essenza Mini", "Inissia", "Vertuo Pop", "Vertuo Next"),
                "cor": ("Preta", "Branca", "Vermelha"),
                "voltagem": _VOLTAGES,
            },
            (450, 1400),
        ),
        ProductLine(
            "Arno",
            "Cafeteira Dolce Gusto Arno {modelo} {cor} {voltagem}",
            {
                "modelo": ("Mini Me", "Genio S Basic", "Genio S Plus"),
                "cor": ("Preta", "Branca", "Vermelha"),
                "voltagem": _VOLTAGES,
            },
            (380, 950),
        ),
        ProductLine(
            "Mondial",
            "Cafeteira Elétrica Mondial Dolce Arome {modelo} {cor} {voltagem}",
            {
                "modelo": ("15 Xícaras", "30 Xícaras", "Inox 36 Xícaras"),
                "cor": ("Preta", "Vermelha"),
                "voltagem": _VOLTAGES,
            },
            (90, 280),
        ),
        ProductLine(
            "Oster",
            "Máquina de Café Espresso Oster {modelo} {cor} {voltagem}",
            {
                "modelo": ("PrimaLatte", "Xpert Perfect Brew", "Espresso Compacta"),
                "cor": ("Inox", "Preta"),
                "voltagem": _VOLTAGES,
            },
            (500, 1500),
        ),
    ),
)

FRITADEIRAS = CategorySpec(
    "fritadeiras-eletricas",
    "Fritadeiras Elétricas",
    weight=1.2,
    blurbs=(
        "Frita sem óleo, com cesto antiaderente removível e timer de 60 minutos.",
        "Air fryer de grande capacidade, perfeita para a família toda.",
    ),
    lines=(
        ProductLine(
            "Mondial",
            "Fritadeira Elétrica Air Fryer Mondial {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Family", "Grand Family", "Inox Premium"),
                "capacidade": ("4L", "5,5L", "8L"),
                "cor": ("Preta", "Vermelha", "Inox"),
                "voltagem": _VOLTAGES,
            },
            (280, 700),
        ),
        ProductLine(
            "Philips Walita",
            "Air Fryer Philips Walita {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Série 1000", "Série 3000", "Essential XL"),
                "capacidade": ("4,1L", "6,2L"),
                "cor": ("Preta", "Branca"),
                "voltagem": _VOLTAGES,
            },
            (400, 1100),
        ),
        ProductLine(
            "Britânia",
            "Fritadeira Sem Óleo Britânia {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("BFR38", "Air Fry Pro"),
                "capacidade": ("4,2L", "5L", "6L"),
                "cor": ("Preta", "Inox"),
                "voltagem": _VOLTAGES,
            },
            (250, 550),
        ),
        ProductLine(
            "Electrolux",
            "Air Fryer Electrolux {modelo} {capacidade} {cor} {voltagem}",
            {
                "modelo": ("Efficient", "Experience Digital"),
                "capacidade": ("3,2L", "4L", "5L"),
                "cor": ("Preta", "Cinza"),
                "voltagem": _VOLTAGES,
            },
            (300, 750),
        ),
        ProductLine(
            "Arno",
            "Fritadeira Elétrica Arno Airfry {modelo} {capacidade} {voltagem}",
            {
                "modelo": ("Super", "Ultra", "Fry Digital"),
                "capacidade": ("4,2L", "5L"),
                "voltagem": _VOLTAGES,
            },
            (350, 800),
        ),
    ),
)

ASPIRADORES = CategorySpec(
    "aspiradores-de-po",
    "Aspiradores de Pó",
    weight=0.8,
    blurbs=(
        "Potência de sucção para tapetes, sofás e pisos frios.",
        "Robô com mapeamento inteligente e retorno automático à base.",
    ),
    lines=(
        ProductLine(
            "Xiaomi",
            "Aspirador de Pó Robô Xiaomi {modelo} {cor} Bivolt",
            {
                "modelo": (
                    "Robot Vacuum E10",
                    "Robot Vacuum E12",
                    "Robot Vacuum S10",
                    "Robot Vacuum S20",
                    "Robot Vacuum X10",
                ),
                "cor": ("Branco", "Preto"),
            },
            (1100, 3500),
        ),
        ProductLine(
            "Electrolux",
            "Aspirador de Pó Electrolux {modelo} {potencia} {voltagem}",
            {
                "modelo": ("Vertical Ergorapido", "Portátil Easybox", "Vertical Power Pro"),
                "potencia": ("1200W", "1400W", "1600W"),
                "voltagem": _VOLTAGES,
            },
            (250, 1200),
        ),
        ProductLine(
            "WAP",
            "Aspirador de Pó WAP {modelo} {potencia} {voltagem}",
            {
                "modelo": ("Silent Speed", "Power Speed 2 em 1", "GTW Bagless"),
                "potencia": ("1000W", "1350W", "1600W"),
                "voltagem": _VOLTAGES,
            },
            (200, 700),
        ),
        ProductLine(
            "Philco",
            "Aspirador de Pó Vertical Philco {modelo} {cor} {voltagem}",
            {
                "modelo": ("PAS26", "Ciclone Force", "Rapid 1000"),
                "cor": ("Preto", "Vermelho", "Azul"),
                "voltagem": _VOLTAGES,
            },
            (150, 450),
        ),
    ),
)

SOFAS = CategorySpec(
    "sofas",
    "Sofás",
    weight=0.8,
    blurbs=(
        "Assento retrátil e encosto reclinável com espuma de alta densidade.",
        "Revestimento fácil de limpar, ideal para quem tem pets.",
    ),
    lines=(
        ProductLine(
            "Linoforte",
            "Sofá {lugares} Lugares Linoforte {modelo} {tecido} {cor}",
            {
                "lugares": ("2", "3", "4"),
                "modelo": ("Retrátil e Reclinável", "Chaise Lounge", "Living"),
                "tecido": ("Suede", "Veludo", "Linho"),
                "cor": ("Cinza", "Bege", "Azul-marinho", "Marrom"),
            },
            (1300, 5500),
        ),
        ProductLine(
            "Madesa",
            "Sofá-cama Madesa {modelo} {lugares} Lugares {tecido} {cor}",
            {
                "lugares": ("2", "3"),
                "modelo": ("Lisboa", "Porto", "Verona"),
                "tecido": ("Suede", "Linho"),
                "cor": ("Cinza", "Grafite", "Bege"),
            },
            (900, 2600),
        ),
        ProductLine(
            "American Comfort",
            "Sofá {lugares} Lugares American Comfort {modelo} {tecido} {cor}",
            {
                "lugares": ("3", "4"),
                "modelo": ("Zurique Retrátil", "Boston com Chaise"),
                "tecido": ("Veludo", "Couro Sintético"),
                "cor": ("Cinza", "Preto", "Caramelo"),
            },
            (1900, 6200),
        ),
    ),
)

COLCHOES = CategorySpec(
    "colchoes",
    "Colchões",
    weight=0.8,
    blurbs=(
        "Molas ensacadas individualmente que reduzem a transmissão de movimento.",
        "Espuma com tratamento antiácaro e pillow top macio.",
    ),
    lines=(
        ProductLine(
            "Ortobom",
            "Colchão {tamanho} Ortobom {modelo}",
            {
                "tamanho": ("Solteiro", "Solteirão", "Casal", "Queen", "King"),
                "modelo": (
                    "Light Espuma D33",
                    "Physical Molas Ensacadas",
                    "Pillow Top Freedom",
                    "Exclusive Euro Pillow",
                ),
            },
            (500, 4500),
        ),
        ProductLine(
            "Castor",
            "Colchão {tamanho} Castor {modelo}",
            {
                "tamanho": ("Solteiro", "Solteirão", "Casal", "Queen", "King"),
                "modelo": (
                    "Sleep Max D33",
                    "Premium Tecnopedic",
                    "Gold Star Pocket",
                    "Silver Star Air",
                ),
            },
            (700, 5500),
        ),
        ProductLine(
            "Emma",
            "Colchão {tamanho} Emma {modelo} Foam Mattress",
            {
                "tamanho": ("Solteiro", "Casal", "Queen", "King"),
                "modelo": ("Original", "Hybrid", "Premium"),
            },
            (1500, 6500),
        ),
        ProductLine(
            "Probel",
            "Colchão {tamanho} Probel {modelo}",
            {
                "tamanho": ("Solteiro", "Casal", "Queen", "King"),
                "modelo": ("Guarda-Costas D45", "Prolastic Molas", "ProDormir Evolution"),
            },
            (450, 2800),
        ),
    ),
)

CAMA_MESA_BANHO = CategorySpec(
    "cama-mesa-e-banho",
    "Cama, Mesa e Banho",
    blurbs=(
        "Tecido macio e respirável, que não desbota na lavagem.",
        "Algodão de alta qualidade para um toque suave todos os dias.",
    ),
    lines=(
        ProductLine(
            "Santista",
            "Jogo de Cama {tamanho} Santista {modelo} {cor}",
            {
                "tamanho": ("Solteiro", "Casal", "Queen", "King"),
                "modelo": (
                    "150 Fios Percal 4 Peças",
                    "200 Fios Algodão 4 Peças",
                    "Micropercal 3 Peças",
                ),
                "cor": ("Branco", "Cinza", "Azul", "Rosa"),
            },
            (90, 450),
        ),
        ProductLine(
            "Buddemeyer",
            "Jogo de Toalhas Buddemeyer {modelo} {cor}",
            {
                "modelo": ("Fio Penteado 2 Peças", "Banhão 4 Peças", "Gigante 5 Peças"),
                "cor": ("Branco", "Bege", "Azul", "Verde-água", "Cinza"),
            },
            (80, 380),
        ),
        ProductLine(
            "Karsten",
            "Edredom {tamanho} Karsten {modelo} {cor}",
            {
                "tamanho": ("Solteiro", "Casal", "Queen", "King"),
                "modelo": ("Dupla Face", "Plush", "Matelado"),
                "cor": ("Cinza", "Azul", "Bege"),
            },
            (150, 600),
        ),
        ProductLine(
            "Altenburg",
            "Travesseiro Altenburg {modelo}",
            {
                "modelo": (
                    "Fibra Siliconizada 50x70",
                    "Nasa Viscoelástico",
                    "Pluma de Ganso",
                    "Látex Natural",
                )
            },
            (50, 400),
        ),
    ),
)

UTILIDADES = CategorySpec(
    "utilidades-domesticas",
    "Utilidades Domésticas",
    blurbs=(
        "Revestimento antiaderente que dispensa óleo e facilita a limpeza.",
        "Resistente e durável, ideal para o uso diário na cozinha.",
    ),
    lines=(
        ProductLine(
            "Tramontina",
            "Jogo de Panelas Tramontina {modelo} {pecas} {cor}",
            {
                "modelo": ("Paris Antiaderente", "Turim Antiaderente", "Solar Inox"),
                "pecas": ("5 Peças", "7 Peças", "10 Peças"),
                "cor": ("Vermelho", "Grafite", "Azul"),
            },
            (200, 1300),
        ),
        ProductLine(
            "Rochedo",
            "Panela de Pressão Rochedo {modelo} {capacidade} {cor}",
            {
                "modelo": ("Clássica", "Turbo Antiaderente", "Inox Top"),
                "capacidade": ("3L", "4,5L", "6L", "7L"),
                "cor": ("Vermelha", "Preta", "Alumínio"),
            },
            (90, 450),
        ),
        ProductLine(
            "Stanley",
            "Garrafa Térmica Stanley {modelo} {capacidade} {cor}",
            {
                "modelo": ("Classic", "Quencher", "Mate Sistema"),
                "capacidade": ("591ml", "1L", "1,4L"),
                "cor": ("Verde", "Preto", "Azul", "Rosa"),
            },
            (180, 500),
        ),
        ProductLine(
            "Electrolux",
            "Jogo de Potes Herméticos Electrolux {modelo} {pecas}",
            {
                "modelo": ("Vidro", "Plástico Livre de BPA"),
                "pecas": ("5 Peças", "10 Peças", "15 Peças"),
            },
            (80, 250),
        ),
    ),
)

CONSOLES = CategorySpec(
    "consoles",
    "Consoles",
    weight=0.4,
    blurbs=(
        "Gráficos em 4K, carregamento ultrarrápido e retrocompatibilidade.",
        "Acompanha controle sem fio e cabo HDMI.",
    ),
    lines=(
        ProductLine(
            "Sony",
            "Console PlayStation 5 Slim {edicao} {pacote}",
            {
                "edicao": ("Digital", "com Leitor de Disco"),
                "pacote": (
                    "",
                    "+ 2 Controles DualSense",
                    "+ Jogo EA Sports FC 24",
                    "+ Jogo Marvel's Spider-Man 2",
                ),
            },
            (3400, 5200),
        ),
        ProductLine(
            "Microsoft",
            "Console Xbox Series {modelo} {armazenamento} {cor}",
            {
                "modelo": ("S", "X"),
                "armazenamento": ("512GB", "1TB"),
                "cor": ("Branco", "Preto Carbono"),
            },
            (2300, 4600),
        ),
        ProductLine(
            "Nintendo",
            "Console Nintendo Switch {modelo} {cor}",
            {
                "modelo": ("Lite", "V2", "OLED"),
                "cor": ("Neon Azul e Vermelho", "Branco", "Cinza", "Coral", "Edição Zelda"),
            },
            (1300, 2700),
        ),
    ),
)

JOGOS = CategorySpec(
    "jogos",
    "Jogos",
    weight=0.8,
    blurbs=(
        "Mídia física, lacrada, com legendas e dublagem em português.",
        "Um dos jogos mais bem avaliados da geração.",
    ),
    lines=(
        ProductLine(
            "Sony",
            "Jogo {titulo} {edicao} - PS5",
            {
                "titulo": (
                    "Marvel's Spider-Man 2",
                    "God of War Ragnarök",
                    "Gran Turismo 7",
                    "Horizon Forbidden West",
                    "Ratchet & Clank: Em Uma Outra Dimensão",
                    "Returnal",
                    "Astro Bot",
                ),
                "edicao": ("Edição Standard", "Edição de Colecionador"),
            },
            (150, 350),
        ),
        ProductLine(
            "Nintendo",
            "Jogo {titulo} - Nintendo Switch",
            {
                "titulo": (
                    "The Legend of Zelda: Tears of the Kingdom",
                    "Super Mario Bros. Wonder",
                    "Mario Kart 8 Deluxe",
                    "Pokémon Scarlet",
                    "Animal Crossing: New Horizons",
                    "Super Smash Bros. Ultimate",
                )
            },
            (200, 350),
        ),
        ProductLine(
            "EA",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": ("EA Sports FC 24", "EA Sports FC 25", "Star Wars Jedi: Survivor"),
                "plataforma": ("PS4", "PS5", "Xbox Series X", "Nintendo Switch"),
            },
            (100, 350),
        ),
        ProductLine(
            "Warner Bros. Games",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": (
                    "Hogwarts Legacy",
                    "Mortal Kombat 1",
                    "LEGO Star Wars: A Saga Skywalker",
                    "Mortal Kombat 11 Ultimate",
                ),
                "plataforma": ("PS4", "PS5", "Xbox Series X", "Nintendo Switch"),
            },
            (100, 330),
        ),
        ProductLine(
            "Activision",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": (
                    "Call of Duty: Modern Warfare III",
                    "Call of Duty: Black Ops 6",
                    "Crash Bandicoot N. Sane Trilogy",
                ),
                "plataforma": ("PS4", "PS5", "Xbox Series X"),
            },
            (90, 380),
        ),
        ProductLine(
            "Rockstar Games",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": ("Red Dead Redemption 2", "Grand Theft Auto V"),
                "plataforma": ("PS4", "PS5", "Xbox One", "Xbox Series X"),
            },
            (80, 200),
        ),
        ProductLine(
            "Ubisoft",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": (
                    "Assassin's Creed Mirage",
                    "Far Cry 6",
                    "Just Dance 2024",
                    "Avatar: Frontiers of Pandora",
                ),
                "plataforma": ("PS4", "PS5", "Xbox Series X"),
            },
            (90, 300),
        ),
        ProductLine(
            "Capcom",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": (
                    "Resident Evil 4",
                    "Street Fighter 6",
                    "Monster Hunter Rise",
                    "Dragon's Dogma 2",
                ),
                "plataforma": ("PS4", "PS5", "Xbox Series X"),
            },
            (120, 330),
        ),
        ProductLine(
            "Bandai Namco",
            "Jogo {titulo} - {plataforma}",
            {
                "titulo": ("Elden Ring", "Tekken 8", "Dragon Ball: Sparking! Zero"),
                "plataforma": ("PS4", "PS5", "Xbox Series X"),
            },
            (150, 350),
        ),
    ),
)

ACESSORIOS_GAMES = CategorySpec(
    "acessorios-para-games",
    "Acessórios para Games",
    blurbs=(
        "Ergonomia pensada para longas partidas, com acabamento antiderrapante.",
        "Compatível com PC e consoles, com conexão sem fio de baixa latência.",
    ),
    lines=(
        ProductLine(
            "Sony",
            "Controle Sem Fio DualSense {modelo} PS5 {cor}",
            {
                "modelo": ("", "Edge"),
                "cor": ("Branco", "Midnight Black", "Cosmic Red", "Starlight Blue", "Volcanic Red"),
            },
            (380, 1400),
        ),
        ProductLine(
            "Microsoft",
            "Controle Sem Fio Xbox Series {modelo} {cor}",
            {
                "modelo": ("Core", "Elite Series 2"),
                "cor": ("Carbon Black", "Robot White", "Shock Blue", "Pulse Red"),
            },
            (380, 1300),
        ),
        ProductLine(
            "HyperX",
            "Headset Gamer HyperX {modelo} {cor}",
            {
                "modelo": (
                    "Cloud Stinger 2",
                    "Cloud II",
                    "Cloud III",
                    "Cloud III Wireless",
                    "Cloud Alpha",
                ),
                "cor": ("Preto", "Vermelho", "Branco", "Rosa"),
            },
            (200, 1000),
        ),
        ProductLine(
            "Logitech",
            "Headset Gamer Sem Fio Logitech {modelo} {cor}",
            {
                "modelo": ("G435", "G535", "G733 Lightspeed"),
                "cor": ("Preto", "Branco", "Azul", "Lilás"),
            },
            (350, 1000),
        ),
        ProductLine(
            "ThunderX3",
            "Cadeira Gamer ThunderX3 {modelo} {cor}",
            {
                "modelo": ("TGC12", "TGC15", "TGC20", "EC3", "Yama1"),
                "cor": ("Preta", "Preta e Vermelha", "Preta e Azul", "Rosa", "Branca"),
            },
            (700, 1600),
        ),
    ),
)

BICICLETAS = CategorySpec(
    "bicicletas",
    "Bicicletas",
    weight=0.8,
    blurbs=(
        "Quadro de alumínio leve, freios a disco e câmbio Shimano.",
        "Ótima para trilhas e para pedalar na cidade.",
    ),
    lines=(
        ProductLine(
            "Caloi",
            "Bicicleta Caloi {modelo} Aro {aro} {marchas} Marchas Quadro {quadro} {cor}",
            {
                "modelo": ("Velox", "Vulcan", "Elite Alumínio", "Explorer Comp"),
                "aro": ("26", "29"),
                "marchas": ("21", "24"),
                "quadro": ("15", "17", "19"),
                "cor": ("Preta", "Azul", "Vermelha"),
            },
            (900, 4200),
        ),
        ProductLine(
            "Oggi",
            "Bicicleta Oggi {modelo} Aro 29 Quadro {quadro} {cor}",
            {
                "modelo": ("Hacker Sport", "Big Wheel 7.0", "Big Wheel 8.0"),
                "quadro": ("15", "17", "19", "21"),
                "cor": ("Preta e Verde", "Grafite e Laranja", "Azul"),
            },
            (2600, 6500),
        ),
        ProductLine(
            "Sense",
            "Bicicleta Sense {modelo} Aro 29 Quadro {quadro} {cor}",
            {
                "modelo": ("One", "Rock Evo", "Impact Pro"),
                "quadro": ("15", "17", "19"),
                "cor": ("Preta", "Cinza", "Verde"),
            },
            (1800, 7000),
        ),
    ),
)

TENIS = CategorySpec(
    "tenis-esportivos",
    "Tênis Esportivos",
    weight=1.2,
    blurbs=(
        "Amortecimento responsivo e cabedal em mesh respirável para corridas diárias.",
        "Leve e confortável, perfeito para academia e caminhadas.",
    ),
    lines=(
        ProductLine(
            "Nike",
            "Tênis Nike {modelo} {genero} {cor}",
            {
                "modelo": (
                    "Revolution 7",
                    "Downshifter 13",
                    "Air Max SC",
                    "Pegasus 41",
                    "Air Zoom Vomero 5",
                ),
                "genero": ("Masculino", "Feminino"),
                "cor": ("Preto", "Branco", "Cinza", "Azul"),
            },
            (280, 1200),
        ),
        ProductLine(
            "Adidas",
            "Tênis Adidas {modelo} {genero} {cor}",
            {
                "modelo": (
                    "Runfalcon 3.0",
                    "Duramo SL",
                    "Galaxy 7",
                    "Grand Court",
                    "Ultraboost Light",
                ),
                "genero": ("Masculino", "Feminino"),
                "cor": ("Preto", "Branco", "Rosa", "Cinza"),
            },
            (250, 1300),
        ),
        ProductLine(
            "Olympikus",
            "Tênis Olympikus {modelo} {genero} {cor}",
            {
                "modelo": ("Marte", "Corre 3", "Corre Max"),
                "genero": ("Masculino", "Feminino"),
                "cor": ("Preto", "Branco", "Marinho", "Laranja"),
            },
            (180, 700),
        ),
        ProductLine(
            "Mizuno",
            "Tênis Mizuno {modelo} {genero} {cor}",
            {
                "modelo": ("Wave Falcon 4", "Wave Rider 28", "Wave Prophecy 13"),
                "genero": ("Masculino", "Feminino"),
                "cor": ("Preto", "Azul", "Cinza", "Branco"),
            },
            (350, 1500),
        ),
        ProductLine(
            "Asics",
            "Running Shoes Asics {modelo} {genero} {cor}",
            {
                "modelo": ("Gel-Excite 10", "Gel-Kayano 30", "Gel-Nimbus 26"),
                "genero": ("Masculino", "Feminino"),
                "cor": ("Preto", "Branco", "Azul"),
            },
            (400, 1400),
        ),
    ),
)

FITNESS = CategorySpec(
    "fitness",
    "Fitness",
    weight=0.6,
    blurbs=(
        "Treine em casa com segurança e praticidade.",
        "Estrutura reforçada para uso diário.",
    ),
    lines=(
        ProductLine(
            "Kikos",
            "Esteira Elétrica Kikos {modelo} {velocidade} {voltagem}",
            {
                "modelo": ("E700", "KX 5000", "Pro Runner"),
                "velocidade": ("12 km/h", "16 km/h"),
                "voltagem": _VOLTAGES,
            },
            (2200, 7500),
        ),
        ProductLine(
            "Dream Fitness",
            "Bicicleta Ergométrica Dream Fitness {modelo} {voltagem}",
            {
                "modelo": (
                    "MAG 2000 Horizontal",
                    "MAG 5000V",
                    "Spinning Magnetic Pro",
                    "Bike Spinning SX 100",
                ),
                "voltagem": ("Sem Fio", "Bivolt"),
            },
            (900, 3500),
        ),
        ProductLine(
            "Polimet",
            "Halter Sextavado Emborrachado Polimet {peso} {pacote}",
            {"peso": ("2kg", "4kg", "6kg", "8kg", "10kg", "12kg"), "pacote": ("Unidade", "Par")},
            (40, 500),
        ),
        ProductLine(
            "Gonew",
            "{modelo} Gonew {cor}",
            {
                "modelo": (
                    "Tapete de Yoga TPE 6mm",
                    "Kit Elásticos Mini Band",
                    "Corda de Pular Speed Rope",
                ),
                "cor": ("Roxo", "Preto", "Azul", "Verde"),
            },
            (30, 180),
        ),
    ),
)

PERFUMES = CategorySpec(
    "perfumes",
    "Perfumes",
    weight=1.2,
    blurbs=(
        "Fragrância marcante e duradoura para o dia e a noite.",
        "Notas amadeiradas e cítricas, sofisticado e versátil.",
    ),
    lines=(
        ProductLine(
            "O Boticário",
            "Perfume O Boticário {modelo} {genero} Desodorante Colônia {volume}",
            {
                "modelo": ("Malbec", "Egeo", "Floratta", "Lily", "Zaad", "Quasar"),
                "genero": ("Masculino", "Feminino"),
                "volume": ("75ml", "100ml"),
            },
            (100, 380),
        ),
        ProductLine(
            "Natura",
            "Perfume Natura {modelo} {genero} {volume}",
            {
                "modelo": ("Kaiak", "Essencial", "Luna", "Homem"),
                "genero": ("Masculino", "Feminino"),
                "volume": ("50ml", "100ml"),
            },
            (90, 300),
        ),
        ProductLine(
            "Carolina Herrera",
            "Perfume Carolina Herrera {modelo} Eau de {concentracao} {volume}",
            {
                "modelo": ("212 VIP Men", "212 VIP Rosé", "Good Girl", "Bad Boy"),
                "concentracao": ("Toilette", "Parfum"),
                "volume": ("50ml", "80ml", "100ml"),
            },
            (380, 1100),
        ),
        ProductLine(
            "Paco Rabanne",
            "Perfume Paco Rabanne {modelo} Eau de {concentracao} {volume}",
            {
                "modelo": ("1 Million", "Invictus", "Olympéa", "Phantom"),
                "concentracao": ("Toilette", "Parfum"),
                "volume": ("50ml", "100ml", "200ml"),
            },
            (350, 1200),
        ),
        ProductLine(
            "Lancôme",
            "Perfume Lancôme {modelo} Eau de Parfum {volume}",
            {
                "modelo": ("La Vie Est Belle", "Idôle", "Trésor"),
                "volume": ("30ml", "50ml", "100ml"),
            },
            (350, 1100),
        ),
        ProductLine(
            "Antonio Banderas",
            "Perfume Antonio Banderas {modelo} Eau de Toilette {volume}",
            {
                "modelo": ("Blue Seduction", "The Icon", "The Golden Secret", "King of Seduction"),
                "volume": ("50ml", "100ml", "200ml"),
            },
            (120, 330),
        ),
        ProductLine(
            "Dior",
            "Perfume Dior {modelo} Eau de {concentracao} {volume}",
            {
                "modelo": ("Sauvage", "J'adore", "Miss Dior"),
                "concentracao": ("Toilette", "Parfum"),
                "volume": ("60ml", "100ml"),
            },
            (550, 1500),
        ),
    ),
)

SECADORES = CategorySpec(
    "secadores-e-chapinhas",
    "Secadores e Chapinhas",
    weight=0.6,
    blurbs=(
        "Tecnologia íon que reduz o frizz e deixa os fios brilhantes.",
        "Revestimento de cerâmica e turmalina com controle de temperatura.",
    ),
    lines=(
        ProductLine(
            "Taiff",
            "Secador de Cabelo Taiff {modelo} {potencia} {voltagem}",
            {
                "modelo": ("Black", "Style", "Fox Ion 3"),
                "potencia": ("1700W", "2000W", "2100W"),
                "voltagem": _VOLTAGES,
            },
            (150, 700),
        ),
        ProductLine(
            "Philco",
            "{modelo} Philco {cor} Bivolt",
            {
                "modelo": (
                    "Chapinha Prancha Alisadora PPR7",
                    "Escova Secadora Soft Brush",
                    "Secador PH3700 Pink",
                ),
                "cor": ("Preta", "Rosa", "Lilás"),
            },
            (90, 300),
        ),
        ProductLine(
            "Gama Italy",
            "Prancha Alisadora Gama Italy {modelo} {cor} Bivolt",
            {
                "modelo": ("Elegance Led", "Keration Titanium", "Pro 230 Digital"),
                "cor": ("Preta", "Rosa", "Vinho"),
            },
            (120, 450),
        ),
        ProductLine(
            "Babyliss",
            "Secador Profissional Babyliss Pro {modelo} {cor} {voltagem}",
            {
                "modelo": ("Nano Titanium", "Tourmaline 2000W", "Rapido"),
                "cor": ("Preto", "Prata"),
                "voltagem": _VOLTAGES,
            },
            (400, 1600),
        ),
    ),
)

BARBEADORES = CategorySpec(
    "barbeadores",
    "Barbeadores",
    weight=0.4,
    blurbs=(
        "Lâminas autoafiáveis e uso a seco ou molhado.",
        "Bateria recarregável com autonomia de até 90 minutos.",
    ),
    lines=(
        ProductLine(
            "Philips",
            "Barbeador Elétrico Philips {modelo} Bivolt",
            {
                "modelo": (
                    "OneBlade QP2724",
                    "OneBlade Pro 360",
                    "Shaver Series 3000",
                    "Shaver Series 5000",
                    "Shaver Series 7000",
                )
            },
            (180, 900),
        ),
        ProductLine(
            "Philips",
            "Aparador de Pelos Philips Multigroom {modelo} Bivolt",
            {"modelo": ("Série 3000 9 em 1", "Série 5000 12 em 1", "Série 7000 18 em 1")},
            (200, 550),
        ),
        ProductLine(
            "Wahl",
            "Máquina de Cortar Cabelo Wahl {modelo} {voltagem}",
            {
                "modelo": ("Magic Clip Cordless", "Senior Cordless", "Detailer Li", "Super Taper"),
                "voltagem": _VOLTAGES,
            },
            (450, 1300),
        ),
        ProductLine(
            "Mondial",
            "Aparador de Pelos Mondial {modelo} {cor} Bivolt",
            {
                "modelo": (
                    "BG-04 Barber Grooming",
                    "Hair Stylo 10 em 1",
                    "Cortador CR-07",
                    "Multi Groom 11 em 1",
                ),
                "cor": ("Preto", "Azul"),
            },
            (70, 200),
        ),
    ),
)

CATEGORY_TREE: tuple[CategorySpec, ...] = (
    CategorySpec(
        "eletronicos",
        "Eletrônicos",
        children=(
            CELULARES,
            TVS,
            CategorySpec("audio", "Áudio", children=(FONES, CAIXAS_DE_SOM)),
            TABLETS,
            SMARTWATCHES,
        ),
    ),
    CategorySpec(
        "informatica",
        "Informática",
        children=(
            NOTEBOOKS,
            MONITORES,
            CategorySpec("perifericos", "Periféricos", children=(MOUSES, TECLADOS)),
            ARMAZENAMENTO,
            IMPRESSORAS,
        ),
    ),
    CategorySpec(
        "eletrodomesticos",
        "Eletrodomésticos",
        children=(
            GELADEIRAS,
            FOGOES,
            MICRO_ONDAS,
            MAQUINAS_DE_LAVAR,
            AR_CONDICIONADO,
            CategorySpec(
                "eletroportateis",
                "Eletroportáteis",
                children=(LIQUIDIFICADORES, CAFETEIRAS, FRITADEIRAS, ASPIRADORES),
            ),
        ),
    ),
    CategorySpec(
        "casa",
        "Casa",
        children=(
            CategorySpec("moveis", "Móveis", children=(SOFAS, COLCHOES)),
            CAMA_MESA_BANHO,
            UTILIDADES,
        ),
    ),
    CategorySpec("games", "Games", children=(CONSOLES, JOGOS, ACESSORIOS_GAMES)),
    CategorySpec("esporte-e-lazer", "Esporte e Lazer", children=(BICICLETAS, TENIS, FITNESS)),
    CategorySpec(
        "beleza-e-perfumaria", "Beleza e Perfumaria", children=(PERFUMES, SECADORES, BARBEADORES)
    ),
)

# Closing sentences any description may end with.
GENERIC_BLURBS: tuple[str, ...] = (
    "Garantia de 12 meses do fabricante.",
    "Produto novo, com nota fiscal.",
    "Entrega para todo o Brasil.",
    "Confira as condições de parcelamento em até 10x sem juros.",
    "",
)
