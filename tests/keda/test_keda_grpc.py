"""KEDA's external scaler against a live `autoscale serve --keda-port`, with a real gRPC client
(python3-grpcio and stubs generated from src/keda/externalscaler.proto at build time).

The client replays what KEDA does (pkg/scalers/external_scaler.go): GetMetricSpec once when it
builds the scaler, then on every poll GetMetrics (the metric name without KEDA's `s0-` prefix)
and IsActive, and for `external-push` a StreamIsActive that it reconnects after an error. Every
answer must equal the stateful HTTP API's desired fleet for the same service at that moment.

Run by ctest (test `keda_grpc`) with AUTOSCALE_CLI (the CLI) and AUTOSCALE_KEDA_PY (the stubs).
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.environ["AUTOSCALE_KEDA_PY"])
import grpc  # noqa: E402
import externalscaler_pb2 as pb  # noqa: E402
import externalscaler_pb2_grpc as pb_grpc  # noqa: E402

CLI = os.environ["AUTOSCALE_CLI"]
T0 = 1700000040  # a minute boundary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def server():
    work = tempfile.mkdtemp(prefix="autoscale-keda-test-")
    spec = os.path.join(work, "deployed.spec")
    with open(spec, "w") as f:  # a classical policy as `run` deploys it: the cheapest model to serve
        f.write("# gate: kept the classical policy\nhpa:target=0.7,tolerance=0.05\n")
    zero = os.path.join(work, "headroom.spec")
    with open(zero, "w") as f:  # decides 0 machines for a minute without load: IsActive goes false
        f.write("headroom:factor=1,reserve=0\n")
    port, keda_port = free_port(), free_port()
    proc = subprocess.Popen([CLI, "serve", "--model", spec, "--extra-model", f"headroom={zero}", "--port", str(port),
                             "--keda-port", str(keda_port), "--no-fsync", "--log-level", "warn"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if http("GET", base + "/ping")[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("serve never answered /ping")
    channel = grpc.insecure_channel(f"127.0.0.1:{keda_port}")
    grpc.channel_ready_future(channel).result(timeout=10)
    yield {"base": base, "stub": pb_grpc.ExternalScalerStub(channel), "proc": proc}
    channel.close()
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=20)


def ref(service=None, **extra):
    meta = {"scalerAddress": "autoscale.autoscale.svc:9090", **extra}
    if service is not None:
        meta["service"] = service
    return pb.ScaledObjectRef(name="shop-so", namespace="shop", scalerMetadata=meta)


def post(server, service, minute, load, active, warming=0):
    status, body = http("POST", f"{server['base']}/v1/services/{service}/metrics",
                        {"timestamp": T0 + 60 * minute, "load": load, "failed": 0, "active": active, "warming": warming})
    assert status == 200, body
    return body["desired"]


def http_desired(server, service):
    status, body = http("GET", f"{server['base']}/v1/services/{service}")
    assert status == 200, body
    return body["last_decision"]["desired"]


def keda_poll(stub, r, metric_name):
    """One KEDA poll: GetMetrics then IsActive (external_scaler.go GetMetricsAndActivity)."""
    m = stub.GetMetrics(pb.GetMetricsRequest(scaledObjectRef=r, metricName=metric_name), timeout=5)
    active = stub.IsActive(r, timeout=5).result
    assert len(m.metricValues) == 1
    v = m.metricValues[0]
    assert v.metricName == metric_name
    assert v.metricValue == v.metricValueFloat  # KEDA reads the float when > 0, else the integer
    return v.metricValue, active


def test_keda_call_sequence_matches_the_stateful_api(server):
    stub, service = server["stub"], "shop"
    # A few minutes of a load that rises then falls, so the decisions move.
    loads = [2000, 4000, 8000, 12000, 12000, 6000]
    active = 4
    r = ref(service)
    spec = None
    for minute, load in enumerate(loads):
        desired = post(server, service, minute, load, active)
        if spec is None:  # KEDA builds the scaler once: GetMetricSpec
            spec = stub.GetMetricSpec(r, timeout=5)
            assert len(spec.metricSpecs) == 1
            assert spec.metricSpecs[0].metricName == "autoscale-shop"
            assert spec.metricSpecs[0].targetSize == 1 and spec.metricSpecs[0].targetSizeFloat == 1.0
        value, is_active = keda_poll(stub, r, spec.metricSpecs[0].metricName)
        assert value == desired == http_desired(server, service)
        assert is_active == (desired > 0)
        active = desired  # the operator follows the decision (HPA: ceil(desired / 1))


def test_stream_is_active_cancel_and_reconnect(server):
    stub, service = server["stub"], "stream-svc"
    desired = post(server, service, 0, 3000, 2)
    assert desired > 0
    for _ in range(2):  # KEDA reconnects a broken stream: each connection starts with the current value
        stream = stub.StreamIsActive(ref(service))
        first = next(stream)
        assert first.result == (http_desired(server, service) > 0)
        stream.cancel()
        with pytest.raises(grpc.RpcError) as e:
            next(stream)
        assert e.value.code() == grpc.StatusCode.CANCELLED


def test_stream_pushes_each_change_of_activity(server):
    stub, service = server["stub"], "flip"
    assert http("PUT", f"{server['base']}/v1/services/{service}", {"model": "headroom"})[0] == 200
    r = ref(service, model="headroom")
    assert post(server, service, 0, 5000, 1) > 0
    stream = stub.StreamIsActive(r, timeout=30)
    assert next(stream).result is True
    # No load: headroom decides 0 machines. KEDA's poll reads 0 and inactive, and the stream
    # pushes the change (it looks every second) without waiting for a poll.
    assert post(server, service, 1, 0, 1) == 0
    assert keda_poll(stub, r, "autoscale-flip") == (0, False)
    t0 = time.monotonic()
    assert next(stream).result is False
    assert post(server, service, 2, 5000, 0) > 0
    assert next(stream).result is True
    assert time.monotonic() - t0 < 10
    assert keda_poll(stub, r, "autoscale-flip") == (http_desired(server, service), True)
    stream.cancel()


def test_stream_ends_when_the_service_goes(server):
    stub, service = server["stub"], "gone"
    assert post(server, service, 0, 3000, 2) > 0
    stream = stub.StreamIsActive(ref(service), timeout=30)
    assert next(stream).result is True
    # Deleting the service ends the stream with NOT_FOUND: KEDA reconnects, then falls back.
    assert http("DELETE", f"{server['base']}/v1/services/{service}")[0] == 200
    with pytest.raises(grpc.RpcError) as e:
        next(stream)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert "gone" in e.value.details()


def test_missing_service_key_is_invalid_argument(server):
    for call in (server["stub"].IsActive, server["stub"].GetMetricSpec):
        with pytest.raises(grpc.RpcError) as e:
            call(ref(None), timeout=5)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "'service'" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        server["stub"].GetMetrics(pb.GetMetricsRequest(scaledObjectRef=ref(None), metricName="x"), timeout=5)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_unknown_service_is_not_found(server):
    with pytest.raises(grpc.RpcError) as e:
        server["stub"].GetMetrics(pb.GetMetricsRequest(scaledObjectRef=ref("nobody"), metricName="autoscale-nobody"), timeout=5)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    assert "nobody" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        next(server["stub"].StreamIsActive(ref("nobody"), timeout=5))
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


def test_other_model_and_no_report_are_failed_precondition(server):
    post(server, "modelled", 0, 3000, 2)
    with pytest.raises(grpc.RpcError) as e:
        server["stub"].IsActive(ref("modelled", model="other"), timeout=5)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert server["stub"].IsActive(ref("modelled", model="default"), timeout=5).result is True
    assert http("PUT", f"{server['base']}/v1/services/empty", {})[0] == 200
    with pytest.raises(grpc.RpcError) as e:
        server["stub"].GetMetricSpec(ref("empty"), timeout=5)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_stream_metric_spec_is_unimplemented(server):
    with pytest.raises(grpc.RpcError) as e:
        next(server["stub"].StreamMetricSpec(ref("shop"), timeout=5))
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_sigterm_ends_open_streams_and_the_server_cleanly(server):
    # Last: it stops the server. An open StreamIsActive ends with OK, and the process exits 0.
    post(server, "last", 0, 3000, 2)
    stream = server["stub"].StreamIsActive(ref("last"), timeout=30)
    assert next(stream).result is True
    server["proc"].terminate()
    with pytest.raises(StopIteration):
        next(stream)
    assert server["proc"].wait(timeout=20) == 0
