"""A stand-in for the organization's back-end that serves integrations/tamin/openapi.yaml."""

from integrations.tamin.simulator.app import create_app

__all__ = ["create_app"]
