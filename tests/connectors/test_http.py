"""The request loop the connectors' clients share (connectors.http.ApiClient)."""

import pytest
import requests

from connectors.base import ConnectorError
from connectors.http import ApiClient, retry_after, token_lifetime


def answer(status: int, body: str = "{}", **headers) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers)
    return response


class Scripted(requests.Session):
    """A session that answers from a script and remembers what it was asked."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.asked: list[dict] = []

    def request(self, method, url, headers=None, **kwargs):
        self.asked.append({"method": method, "url": url, "headers": headers or {}})
        next_answer = self.answers.pop(0)
        if isinstance(next_answer, Exception):
            raise next_answer
        return next_answer


class Client(ApiClient):
    system = "Example"

    def __init__(self, *answers, **options):
        super().__init__(session=Scripted(*answers), backoff=0.0, **options)

    def authenticate(self):
        self.token_received(f"token-{self.authentications + 1}", 3600.0)

    def url_for(self, path):
        return f"http://example.test{path}"


def test_it_logs_in_before_the_first_call_and_sends_the_token():
    client = Client(answer(200))
    client.request("GET", "/things")
    assert client.authentications == 1
    assert client.session.asked[0]["headers"]["Authorization"] == "Bearer token-1"
    assert client.session.asked[0]["url"] == "http://example.test/things"


def test_a_401_logs_in_again_once_then_gives_up():
    client = Client(answer(401), answer(200))
    assert client.request("GET", "/things").status_code == 200
    assert client.authentications == 2
    with pytest.raises(ConnectorError) as failure:
        Client(answer(401), answer(401)).request("GET", "/things")
    assert not failure.value.retryable


def test_what_may_succeed_later_is_retried_honouring_retry_after(monkeypatch):
    slept = []
    monkeypatch.setattr("connectors.http.time.sleep", slept.append)
    client = Client(answer(429, **{"Retry-After": "2"}), requests.Timeout("slow"), answer(503), answer(200))
    assert client.request("GET", "/things").status_code == 200
    assert slept[0] == 2.0 and len(slept) == 3


def test_retries_stop_after_max_retries_with_the_last_failure(monkeypatch):
    monkeypatch.setattr("connectors.http.time.sleep", lambda seconds: None)
    with pytest.raises(ConnectorError) as failure:
        Client(*[answer(500)] * 3, max_retries=2).request("GET", "/things")
    assert failure.value.retryable and failure.value.code == "HTTP_500"


def test_a_permanent_error_is_raised_at_once():
    client = Client(answer(400, "bad field"))
    with pytest.raises(ConnectorError) as failure:
        client.request("POST", "/things")
    assert not failure.value.retryable
    assert str(failure.value) == "Example 400 HTTP_400: bad field"
    assert len(client.session.asked) == 1


def test_a_client_may_refuse_to_retry_what_would_otherwise_be_retried():
    class Spent(Client):
        def refuse(self, response, failure):
            return response.status_code == 503

    client = Spent(answer(503))
    with pytest.raises(ConnectorError):
        client.request("GET", "/things")
    assert len(client.session.asked) == 1


def test_network_failures_are_retryable_connector_errors():
    client = Client(requests.ConnectionError("refused"), max_retries=0)
    with pytest.raises(ConnectorError) as failure:
        client.request("GET", "/things")
    assert failure.value.retryable and failure.value.code == "connection"


def test_retry_after_and_token_lifetime_read_what_systems_send():
    assert retry_after(answer(429, **{"Retry-After": "5"})) == 5.0
    assert retry_after(answer(429, **{"Retry-After": "soon"})) is None
    assert retry_after(answer(429)) is None
    assert token_lifetime({"expires_in": "120"}, 3600.0) == 120.0
    assert token_lifetime({"expires_in": "never"}, 3600.0) == 3600.0
