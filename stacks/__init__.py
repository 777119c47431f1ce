"""Stack programs: read `Pulumi.<stack>.yaml` once into a typed config, pick components per phase, wire providers."""
