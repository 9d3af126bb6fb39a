"""Tests of the sample evaluator: python3 -m unittest discover -s examples/sample-evaluator/tests"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(__file__)
EVALUATE = os.path.join(HERE, "..", "evaluate.py")
TRAIN = os.path.join(HERE, "..", "..", "sample-trainer", "train.py")


def run(script, *args, env=None):
    return subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


class EvaluateTest(unittest.TestCase):
    def trained(self, d):
        model = os.path.join(d, "model")
        r = run(TRAIN, "--outputs", model, "--epochs", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        return model

    def test_attacks_lower_the_accuracy_of_a_trained_model(self):
        with tempfile.TemporaryDirectory() as d:
            model, out = self.trained(d), os.path.join(d, "out")
            r = run(EVALUATE, "--model-dir", model, "--outputs", out, "--epsilon", "0.5")
            self.assertEqual(r.returncode, 0, r.stderr)
            m = json.load(open(os.path.join(out, "metrics.json")))
            trained = json.load(open(os.path.join(model, "metrics.json")))
            self.assertAlmostEqual(m["clean_accuracy"], trained["accuracy"], places=6)
            self.assertLess(m["robust_accuracy"], m["clean_accuracy"])

    def test_local_mode_reads_the_version_named_in_mlcp_inputs_under_the_gcs_root(self):
        with tempfile.TemporaryDirectory() as d:
            root = os.path.join(d, "objects")
            version = os.path.join(root, "bucket", "registry", "models", "m", "versions", "1")
            os.makedirs(os.path.dirname(version))
            os.rename(self.trained(d), version)
            out = os.path.join(d, "out")
            env = {"MLCP_INPUTS": '["gs://bucket/registry/models/m/versions/1/"]', "MLCP_OUTPUTS": out}
            r = run(EVALUATE, "--gcs-root", root, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("robust_accuracy", json.load(open(os.path.join(out, "metrics.json"))))

    def test_the_version_materialized_by_the_agent_is_read_from_input_0(self):
        with tempfile.TemporaryDirectory() as d:
            inputs = os.path.join(d, "inputs")
            os.makedirs(inputs)
            os.rename(self.trained(d), os.path.join(inputs, "0"))
            out = os.path.join(d, "out")
            r = run(EVALUATE, env={"MLCP_INPUT_DIR": inputs, "MLCP_OUTPUTS": out,
                                   "MLCP_INPUTS": '["gs://bucket/registry/models/m/versions/1/"]'})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("robust_accuracy", json.load(open(os.path.join(out, "metrics.json"))))

    def test_an_input_escaping_the_gcs_root_or_without_a_model_exits_2(self):
        with tempfile.TemporaryDirectory() as d:
            env = {"MLCP_INPUTS": '["gs://../../etc/"]', "MLCP_OUTPUTS": d}
            r = run(EVALUATE, "--gcs-root", os.path.join(d, "objects"), env=env)
            self.assertEqual(r.returncode, 2)
            r = run(EVALUATE, "--model-dir", d, "--outputs", d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("model.json", r.stderr)


if __name__ == "__main__":
    unittest.main()
