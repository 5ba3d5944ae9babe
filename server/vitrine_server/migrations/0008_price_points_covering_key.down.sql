ALTER TABLE price_points DROP CONSTRAINT price_points_pkey;
ALTER TABLE price_points ADD PRIMARY KEY (offer_id, valid_from);
