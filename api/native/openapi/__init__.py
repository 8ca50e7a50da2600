from api.native.openapi.paths import OpenAPIDocument, document, served_routes

__all__ = ["OpenAPIDocument", "document", "served_routes"]
