"""salesforce-common."""
