## flash
