"""AdminService: the operator's view into the data layer, one module per concern."""
