"""Root pytest configuration: the emulator's fixtures are available to every test."""

pytest_plugins = ["salesforce_emulator.pytest_plugin"]
