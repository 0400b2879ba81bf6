"""The JSON API's request and response models, from which /api/v1/openapi.json is generated."""
