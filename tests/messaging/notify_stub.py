"""A local stand-in for GOV.UK Notify's API, for the real `notifications-python-client`.

Implements what the app uses: send a text message and an email, get a notification by id, list
notifications by reference, and the delivery-receipt callback Notify POSTs to us. Errors come
back in Notify's documented shape ({"status_code", "errors": [{"error", "message"}]}). The
client's JWT is checked against the API key, as Notify does (403 AuthError otherwise).

Notify's test-mode recipients decide the outcome of a message once it settles:
07700 900001 / delivered@simulator.notify delivered, 07700 900003 / temp-fail@... temporary
failure, 07700 900002 / perm-fail@... permanent failure; anyone else delivered.
"""

import json
import re
import threading
import urllib.request
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "9a6c7f0e-1b2d-4e3f-8a9b-0c1d2e3f4a5b"
SECRET = "3f2e1d0c-9b8a-4f7e-6d5c-4b3a2f1e0d9c"
API_KEY = f"test_key-{SERVICE_ID}-{SECRET}"

OUTCOMES = {
    "07700900001": "delivered",
    "07700900003": "temporary-failure",
    "07700900002": "permanent-failure",
    "delivered@simulator.notify": "delivered",
    "temp-fail@simulator.notify": "temporary-failure",
    "perm-fail@simulator.notify": "permanent-failure",
}

ERRORS = {
    400: ("BadRequestError", "Can't send to this recipient when service is in trial mode"),
    403: ("AuthError", "Invalid token: signature, api token not found"),
    429: (
        "RateLimitError",
        "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
    ),
    500: ("Exception", "Internal server error"),
    503: ("Exception", "Service unavailable"),
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uk_mobile(number):
    digits = re.sub(r"[\s()-]", "", number)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    return digits if re.fullmatch(r"07\d{9}", digits) else None


class NotifyStub:
    def __init__(self):
        self.notifications = {}  # id -> dict, in the shape GET /v2/notifications/{id} answers
        self.requests = []  # (method, path, body) as received
        self.forced = []  # status codes to answer the next sends with
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status_code, times=1, accept=False):
        """Answer the next `times` sends with Notify's documented error for `status_code`;
        with `accept`, take the message first (as when the answer is lost on the way back)."""
        with self.lock:
            self.forced.extend([(status_code, accept)] * times)

    def sends(self):
        return [body for method, path, body in self.requests if method == "POST"]

    def settle(self):
        """Every notification still sending reaches its test-mode outcome; returns the
        callback payloads Notify would POST for them."""
        payloads = []
        with self.lock:
            for item in self.notifications.values():
                if item["status"] in ("created", "sending"):
                    to = item["phone_number"] or item["email_address"]
                    key = uk_mobile(to) or to.lower()
                    item["status"] = OUTCOMES.get(key, "delivered")
                    item["sent_at"] = item["completed_at"] = now()
                    payloads.append(self.callback_payload(item))
        return payloads

    @staticmethod
    def callback_payload(item):
        return {
            "id": item["id"],
            "reference": item["reference"],
            "to": item["phone_number"] or item["email_address"],
            "status": item["status"],
            "created_at": item["created_at"],
            "completed_at": item["completed_at"],
            "sent_at": item["sent_at"],
            "notification_type": item["type"],
        }

    def post_callbacks(self, url, token):
        """Settle, and POST each receipt to `url` with `token` as Notify's bearer token."""
        answers = []
        for payload in self.settle():
            request = urllib.request.Request(  # noqa: S310 (a local test URL)
                url,
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answers.append(response.status)
        return answers

    # The HTTP side.

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status, error=None, message=None):
                default_error, default_message = ERRORS.get(status, ("Exception", "Error"))
                self._answer(
                    status,
                    {
                        "status_code": status,
                        "errors": [
                            {"error": error or default_error, "message": message or default_message}
                        ],
                    },
                )

            def _authorised(self):
                header = self.headers.get("Authorization", "")
                token = header.removeprefix("Bearer ")
                try:
                    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
                except jwt.PyJWTError:
                    return False
                return claims.get("iss") == SERVICE_ID

            def do_GET(self):  # noqa: N802
                stub.requests.append(("GET", self.path, None))
                if not self._authorised():
                    return self._error(403)
                path, _, query = self.path.partition("?")
                if path == "/v2/notifications":
                    reference = dict(
                        part.split("=", 1) for part in query.split("&") if "=" in part
                    ).get("reference")
                    with stub.lock:
                        found = [
                            item
                            for item in stub.notifications.values()
                            if reference is None or item["reference"] == reference
                        ]
                    return self._answer(200, {"notifications": found, "links": {}})
                match = re.fullmatch(r"/v2/notifications/([^/]+)", path)
                if not match:
                    return self._error(404, "NotFound", "Not found")
                if not UUID.match(match[1]):
                    return self._error(400, "ValidationError", "id is not a valid UUID")
                with stub.lock:
                    item = stub.notifications.get(match[1])
                if item is None:
                    return self._error(404, "NoResultFound", "No result found")
                return self._answer(200, item)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(("POST", self.path, body))
                if not self._authorised():
                    return self._error(403)
                with stub.lock:
                    forced = stub.forced.pop(0) if stub.forced else None
                if forced and not forced[1]:
                    return self._error(forced[0])
                if self.path == "/v2/notifications/sms":
                    kind, to = "sms", body.get("phone_number", "")
                    if not uk_mobile(to):
                        return self._error(
                            400, "ValidationError", "phone_number Not a UK mobile number"
                        )
                elif self.path == "/v2/notifications/email":
                    kind, to = "email", body.get("email_address", "")
                    if "@" not in to:
                        return self._error(
                            400, "ValidationError", "email_address Not a valid email address"
                        )
                else:
                    return self._error(404, "NotFound", "Not found")
                template_id = body.get("template_id", "")
                if not UUID.match(template_id):
                    return self._error(400, "ValidationError", "template_id is not a valid UUID")
                notification_id = str(uuid.uuid4())
                text = " ".join(f"{k}={v}" for k, v in (body.get("personalisation") or {}).items())
                item = {
                    "id": notification_id,
                    "reference": body.get("reference"),
                    "email_address": to if kind == "email" else None,
                    "phone_number": to if kind == "sms" else None,
                    "type": kind,
                    "status": "sending",
                    "template": {"id": template_id, "version": 1, "uri": ""},
                    "body": text,
                    "subject": "Message" if kind == "email" else None,
                    "created_at": now(),
                    "sent_at": None,
                    "completed_at": None,
                }
                with stub.lock:
                    stub.notifications[notification_id] = item
                if forced:
                    return self._error(forced[0])
                content = {"body": text}
                content.update({"from_number": "Northshore"} if kind == "sms" else {})
                return self._answer(
                    201,
                    {
                        "id": notification_id,
                        "reference": item["reference"],
                        "content": content,
                        "uri": f"{stub.url}/v2/notifications/{notification_id}",
                        "template": item["template"],
                    },
                )

        return Handler
