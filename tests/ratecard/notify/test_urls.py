"""Where webhooks may go (ratecard/notify/urls.py): the SSRF refusals, with the real
resolver for names and a stand-in resolver for a name that points somewhere private."""

from __future__ import annotations

import socket

import pytest

from ratecard.notify.urls import UrlRefused, check_url

REFUSED = [
    "https://127.0.0.1/",
    "https://127.9.9.9:8443/x",
    "https://10.0.0.8/",
    "https://172.31.255.1/",
    "https://192.168.0.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.1.1/",
    "https://0.0.0.0/",
    "https://[::1]/",
    "https://[::]/",
    "https://[fe80::1]/",
    "https://[fc00::5]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "https://224.0.0.1/",
    "https://localhost/",  # the real resolver: loopback
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused, match="not a public address"):
        check_url(url, development=False)


def test_a_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    def resolver(host: str, port: int, **kw: object) -> list[tuple]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
        ]

    with pytest.raises(UrlRefused, match=r"hooks\.example\.com resolves to ::1"):
        check_url("https://hooks.example.com/x", development=False, resolve=resolver)


def test_public_https_passes_and_keeps_the_address_to_connect_to() -> None:
    def resolver(host: str, port: int, **kw: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    t = check_url("https://hooks.example.com:8443/a?b=1", development=False, resolve=resolver)
    assert (t.host, t.port, [str(a) for a in t.addresses]) == (
        "hooks.example.com", 8443, ["93.184.216.34"],
    )  # fmt: skip


def test_http_is_refused_except_to_loopback_in_development() -> None:
    with pytest.raises(UrlRefused, match="https"):
        check_url("http://93.184.216.34/", development=False)
    with pytest.raises(UrlRefused, match="https"):
        check_url("http://93.184.216.34/", development=True)
    assert check_url("http://127.0.0.1:9000/x", development=True).port == 9000
    assert check_url("https://10.0.0.8/", development=True).host == "10.0.0.8"


def test_malformed_urls_are_refused() -> None:
    for url in ("", "nope", "ftp://93.184.216.34/", "https://u:p@93.184.216.34/",
                "https:///x", "https://93.184.216.34:99999/"):  # fmt: skip
        with pytest.raises(UrlRefused):
            check_url(url, development=False)
    with pytest.raises(UrlRefused, match="does not resolve"):
        check_url("https://no-such-host.invalid/", development=False)
