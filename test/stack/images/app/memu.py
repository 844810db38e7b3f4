"""memu stand-in: serves / and /health on :8000.

Each request opens a fresh connection with MEMU_DB_URL (SQLAlchemy 2 + psycopg 3, as memu does) and answers
200 only when SELECT 1 works. It never echoes the URL or the password: errors are reported by class name.
GET /ollama reports whether OLLAMA_API_BASE_URL/version answers from inside this container.
"""
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def database_ok():
    engine = create_engine(os.environ["MEMU_DB_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1, None
    except Exception as error:  # the message can carry the URL: report only the class
        return False, type(error).__name__
    finally:
        engine.dispose()


def ollama_ok():
    base = os.environ.get("OLLAMA_API_BASE_URL", "").rstrip("/")
    try:
        with urllib.request.urlopen(base + "/version", timeout=5) as response:
            return response.status == 200
    except Exception:
        return False


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path in ("/", "/health"):
            ok, error = database_ok()
            if not ok:
                print(f"ERROR database connection failed: {error}", flush=True)
            self.reply(200 if ok else 503, {"status": "ok" if ok else "error", "database": ok})
        elif self.path == "/ollama":
            ok = ollama_ok()
            self.reply(200 if ok else 503, {"ollama": ok})
        else:
            self.reply(404, {"status": "not found"})

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    print("memu stand-in listening on :8000", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
