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


if __name__ == "__main__":
    unittest.main()
