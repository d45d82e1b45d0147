"""Code shared by the CRM services: settings, Mongo access, message contracts,
the customer domain model.  No service imports another service; they all
import this package."""
