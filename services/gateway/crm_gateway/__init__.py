"""The CRM's GraphQL gateway: Strawberry on Starlette, reading what the workers store."""

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from crm_gateway.app import create_app

        return create_app
    raise AttributeError(name)
