"""Send a third-party tap's Salesforce login to the emulator, without changing the tap's code.

``scripts/peer_venvs.py`` copies this module into every peer virtual environment as
``sf_emulator_login_route.py``, with a ``.pth`` file that imports it when Python starts. It does
nothing unless ``SF_EMULATOR_LOGIN_URL`` is set (for example ``http://127.0.0.1:8123``). Then
every ``requests.Session`` created in the process gets one more transport, mounted for the login
hosts only (``https://login.salesforce.com/`` and ``https://test.salesforce.com/``): it rewrites
those requests' scheme, host and port to the emulator's and sends them on, path and body
unchanged. Every other URL keeps the normal transport, so the tap reaches the emulator for the
rest of its calls only because the token answer's ``instance_url`` names the emulator.

Runs inside the peer's interpreter: standard library plus the ``requests`` the peer installs.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ENV_VAR = "SF_EMULATOR_LOGIN_URL"
LOGIN_HOSTS = ("https://login.salesforce.com/", "https://test.salesforce.com/")


def install(emulator_url: str) -> None:
    """Mount the login redirection on every ``requests.Session`` created from now on."""
    import requests
    from requests.adapters import HTTPAdapter

    target = urlsplit(emulator_url)

    class LoginRedirect(HTTPAdapter):
        """Sends a login-host request to the emulator's origin, keeping path and query."""

        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            parts = urlsplit(request.url or "")
            request.url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
            return super().send(request, *args, **kwargs)

    original_init = requests.Session.__init__

    def init(self: requests.Session, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        for prefix in LOGIN_HOSTS:
            self.mount(prefix, LoginRedirect())

    requests.Session.__init__ = init  # type: ignore[method-assign]


def activate() -> None:
    """Install the redirection when ``SF_EMULATOR_LOGIN_URL`` is set (the ``.pth`` hook)."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        install(url)


activate()
