"""AWS building blocks of a public member: the EKS cluster, its GPU node groups and the add-ons GPU Spot needs."""
