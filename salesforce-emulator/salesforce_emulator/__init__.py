"""salesforce-emulator."""
