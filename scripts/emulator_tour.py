"""Log in to the emulated org like any client would and print what it serves."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import requests


def main(config_path: str) -> None:
    """OAuth password login, global describe, then a COUNT() per object."""
    config = json.loads(Path(config_path).read_text())
    http = requests.Session()
    token = http.post(
        f"{config['domain']}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
            "username": config["username"],
            "password": config["password"] + config["security_token"],
        },
        timeout=30,
    ).json()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    base = f"{token['instance_url']}/services/data/v64.0"
    sobjects = http.get(f"{base}/sobjects", timeout=30).json()["sobjects"]
    print(f"Emulated org at {token['instance_url']}: {len(sobjects)} objects\n")
    print(f"{'object':<28}{'fields':>8}{'rows':>10}{'deleted':>10}")
    for entry in sobjects:
        name = entry["name"]
        fields = len(http.get(f"{base}/sobjects/{name}/describe", timeout=30).json()["fields"])
        live = http.get(f"{base}/query", params={"q": f"SELECT COUNT() FROM {name}"}, timeout=30).json()
        every = http.get(f"{base}/queryAll", params={"q": f"SELECT COUNT() FROM {name}"}, timeout=30)
        deleted = every.json()["totalSize"] - live["totalSize"]
        print(f"{name:<28}{fields:>8}{live['totalSize']:>10}{deleted:>10}")
    sample = http.get(
        f"{base}/query",
        params={"q": "SELECT Id, Name, Email, Account.Name, MailingAddress FROM Contact LIMIT 2"},
        timeout=30,
    ).json()["records"]
    print("\nTwo Contacts as the REST API returns them:")
    print(json.dumps(sample, indent=2, ensure_ascii=False))
    print(f"\nAPI usage: {http.get(f'{base}/limits', timeout=30).headers['Sforce-Limit-Info']}")


if __name__ == "__main__":
    main(sys.argv[1])
