"""tap-salesforce-plus."""
