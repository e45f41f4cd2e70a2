## domain
