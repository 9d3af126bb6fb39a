"""Tests of the sample model server: verification at load, predictions, failure injection."""
import hashlib
import json
import os
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import server  # noqa: E402

MODEL = {
    "kind": "logistic-regression",
    "features": ["a", "b"],
    "weights": [2.0, -1.0],
    "bias": 0.5,
    "standardisation": {"mean": [0.0, 0.0], "std": [1.0, 1.0]},
}


def write_version(root, model=MODEL):
    data = json.dumps(model).encode()
    with open(os.path.join(root, "model.json"), "wb") as f:
        f.write(data)
    manifest = {"schema": 1, "files": [
        {"path": "model.json", "sizeBytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}]}
    raw = json.dumps(manifest).encode()
    with open(os.path.join(root, "manifest.json"), "wb") as f:
        f.write(raw)
    return hashlib.sha256(raw).hexdigest()


class LoadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.digest = write_version(self.dir)

    def test_a_verified_version_loads(self):
        model, digest = server.load(self.dir, self.digest)
        self.assertEqual(digest, self.digest)
        self.assertEqual(model["weights"], [2.0, -1.0])

    def test_a_manifest_with_another_digest_is_refused(self):
        with self.assertRaisesRegex(server.ModelError, "manifest.json has SHA-256"):
            server.load(self.dir, "0" * 64)

    def test_a_changed_file_is_refused_by_name(self):
        with open(os.path.join(self.dir, "model.json"), "a") as f:
            f.write(" ")
        with self.assertRaisesRegex(server.ModelError, "model.json"):
            server.load(self.dir, self.digest)

    def test_a_path_outside_the_version_is_refused(self):
        raw = json.dumps({"files": [{"path": "../x", "sha256": "0"}]}).encode()
        with open(os.path.join(self.dir, "manifest.json"), "wb") as f:
            f.write(raw)
        with self.assertRaisesRegex(server.ModelError, "invalid path"):
            server.load(self.dir, hashlib.sha256(raw).hexdigest())

    def test_main_exits_3_on_a_bad_model(self):
        self.assertEqual(server.main({"MLCP_MODEL_DIR": self.dir, "MLCP_MODEL_SHA256": "1" * 64}), 3)


class HttpTest(unittest.TestCase):
    def start(self, fail_rate=0.0):
        d = tempfile.mkdtemp()
        digest = write_version(d)
        model, digest = server.load(d, digest)
        srv = server.Server(("127.0.0.1", 0), model, digest, "r1", fail_rate, 0)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.shutdown)
        return "http://127.0.0.1:%d" % srv.server_address[1]

    def post(self, url, body):
        req = urllib.request.Request(url + "/v1/predict", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def test_healthz_and_predictions(self):
        url = self.start()
        with urllib.request.urlopen(url + "/healthz") as r:
            self.assertEqual(json.load(r)["status"], "ok")
        status, body = self.post(url, {"instances": [[1.0, 0.0], {"a": 0.0, "b": 3.0}]})
        self.assertEqual(status, 200)
        self.assertAlmostEqual(body["predictions"][0], 1 / (1 + 2.718281828 ** -2.5), places=4)
        self.assertLess(body["predictions"][1], 0.1)
        self.assertEqual(body["revision"], "r1")

    def test_bad_input_is_400(self):
        status, body = self.post(self.start(), {"instances": [[1.0]]})
        self.assertEqual(status, 400)
        self.assertIn("2 features", body["error"])

    def test_fail_rate_one_answers_500(self):
        status, _ = self.post(self.start(fail_rate=1.0), {"instances": [[1.0, 2.0]]})
        self.assertEqual(status, 500)


class FakeSpanner:
    """Spanner's REST API as the feature store calls it: sessions, then executeSql answering
    rows of a small user_features table; records every request, can forget its sessions."""

    FIELDS = [{"name": "user_id", "type": {"code": "INT64"}},
              {"name": "country", "type": {"code": "STRING"}},
              {"name": "a", "type": {"code": "FLOAT64"}},
              {"name": "b", "type": {"code": "INT64"}}]
    ROWS = {"7": ["7", "DE", 0.5, "3"]}

    def __init__(self):
        fake = self
        self.requests, self.sessions = [], 0

        class Handler(server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                fake.requests.append((self.path, body, self.headers.get("Authorization")))
                if self.path.endswith("/sessions"):
                    fake.sessions += 1
                    return self.reply(200, {"name": self.path[4:] + "/s%d" % fake.sessions})
                if not self.path.endswith("/s%d:executeSql" % fake.sessions):
                    return self.reply(404, {"error": {"message": "Session not found"}})
                row = fake.ROWS.get(body["params"]["key"])
                self.reply(200, {"metadata": {"rowType": {"fields": fake.FIELDS}},
                                 "rows": [row] if row else []})

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/v1" % self.http.server_address[1]

    def close(self):
        self.http.shutdown()


class FeatureTest(unittest.TestCase):
    def setUp(self):
        self.spanner = FakeSpanner()
        self.addCleanup(self.spanner.close)
        self.store = server.FeatureStore.from_environment({
            "MLCP_SPANNER_API": self.spanner.url, "MLCP_PROJECT_ID": "p",
            "MLCP_FEATURE_DATABASE": "mlcp-local/features"})

    def test_a_row_is_read_by_its_typed_key_in_a_read_only_transaction(self):
        self.assertEqual(self.store.lookup("7"), {"user_id": 7, "country": "DE", "a": 0.5, "b": 3})
        self.assertIsNone(self.store.lookup("8"))
        path, body, auth = self.spanner.requests[-1]
        self.assertEqual(path, "/v1/projects/p/instances/mlcp-local/databases/features/sessions/s1"
                         ":executeSql")
        self.assertEqual(body["sql"], "SELECT * FROM `user_features` WHERE `user_id` = @key LIMIT 1")
        self.assertEqual(body["paramTypes"], {"key": {"code": "INT64"}})
        self.assertEqual(body["transaction"], {"singleUse": {"readOnly": {"strong": True}}})
        self.assertIsNone(auth)
        self.assertEqual(self.spanner.sessions, 1)

    def test_a_forgotten_session_is_made_again(self):
        self.store.lookup("7")
        self.spanner.sessions += 1  # Spanner dropped s1
        self.assertEqual(self.store.lookup("7")["country"], "DE")
        self.assertEqual(self.spanner.sessions, 3)

    def test_identifiers_and_keys_are_checked(self):
        with self.assertRaisesRegex(ValueError, "MLCP_FEATURE_TABLE"):
            server.FeatureStore.from_environment({
                "MLCP_FEATURE_DATABASE": "projects/p/instances/i/databases/d",
                "MLCP_FEATURE_TABLE": "t`; DROP TABLE x"})
        with self.assertRaisesRegex(ValueError, "MLCP_PROJECT_ID"):
            server.FeatureStore.from_environment({"MLCP_FEATURE_DATABASE": "i/d"})
        self.assertIsNone(server.FeatureStore.from_environment({}))
        with self.assertRaises(ValueError):
            self.store.lookup("x" * 200)

    def test_spanner_down_is_a_feature_error(self):
        self.spanner.close()
        self.spanner.http.server_close()
        with self.assertRaises(server.FeatureError):
            self.store.lookup("7")

    def test_http_lookup_and_enriched_prediction(self):
        d = tempfile.mkdtemp()
        model, digest = server.load(d, write_version(d))
        srv = server.Server(("127.0.0.1", 0), model, digest, "r1", 0.0, 0, self.store)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.shutdown)
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        with urllib.request.urlopen(url + "/v1/features/7") as r:
            self.assertEqual(json.load(r)["features"]["country"], "DE")
        with self.assertRaises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "/v1/features/8")
        self.assertEqual(missing.exception.code, 404)
        req = urllib.request.Request(url + "/v1/predict", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"instances": [{"user_id": 7, "b": 0}]}).encode())
        with urllib.request.urlopen(req) as r:
            expected = 1 / (1 + 2.718281828 ** -(0.5 + 2.0 * 0.5))
            self.assertAlmostEqual(json.load(r)["predictions"][0], expected, places=4)

    def test_lookup_not_configured_is_501(self):
        d = tempfile.mkdtemp()
        model, digest = server.load(d, write_version(d))
        srv = server.Server(("127.0.0.1", 0), model, digest, "r1", 0.0, 0)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.shutdown)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen("http://127.0.0.1:%d/v1/features/7" % srv.server_address[1])
        self.assertEqual(e.exception.code, 501)


if __name__ == "__main__":
    unittest.main()
