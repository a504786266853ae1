"""The plumbing of a Pub/Sub API client, so consumer.py can stay about the consumer.

- Python classes are generated once from pubsub_api.proto into .gen/ (grpcio-tools).
- connect() opens a TLS channel to SF_PUBSUB_ENDPOINT trusting SF_CA_BUNDLE, and returns the
  stub with the metadata every call must carry: accesstoken, instanceurl, tenantid.
- schema_of() fetches a topic's Avro schema; decode() turns an event payload into a dict.
- rest() calls the org's REST API (through sflab's proxy) with the same token.
"""
import io
import json
import os
import ssl
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, ".gen")
if not os.path.exists(os.path.join(GEN, "pubsub_api_pb2_grpc.py")):
    os.makedirs(GEN, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", HERE, "--python_out", GEN,
         "--grpc_python_out", GEN, "pubsub_api.proto"],
        check=True,
    )
sys.path.insert(0, GEN)

import avro.io  # noqa: E402
import avro.schema  # noqa: E402
import grpc  # noqa: E402
import pubsub_api_pb2 as pb2  # noqa: E402,F401
import pubsub_api_pb2_grpc as pb2_grpc  # noqa: E402

ENV = os.environ


def connect():
    with open(ENV["SF_CA_BUNDLE"], "rb") as f:
        creds = grpc.ssl_channel_credentials(root_certificates=f.read())
    channel = grpc.secure_channel(ENV["SF_PUBSUB_ENDPOINT"], creds)
    auth = (
        ("accesstoken", ENV["SF_ACCESS_TOKEN"]),
        ("instanceurl", ENV["SF_INSTANCE_URL"]),
        ("tenantid", ENV["SF_ORG_ID"]),
    )
    return pb2_grpc.PubSubStub(channel), auth


def schema_of(stub, auth, topic):
    # The topic's current schema. Here the event definition never changes during a run, so one
    # schema decodes every event. In production, decode each event with the schema its own
    # item.event.schema_id names (GetSchema, cached by id): retained events written before an
    # admin changed the definition carry the older schema.
    info = stub.GetTopic(pb2.TopicRequest(topic_name=topic), metadata=auth)
    found = stub.GetSchema(pb2.SchemaRequest(schema_id=info.schema_id), metadata=auth)
    return avro.schema.parse(found.schema_json)


def decode(payload, schema):
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(payload)))


def rest(method, path, body=None):
    """Calls `${SF_INSTANCE_URL}/services/data/v${SF_API_VERSION}{path}`; returns the JSON answer."""
    url = f"{ENV['SF_INSTANCE_URL']}/services/data/v{ENV['SF_API_VERSION']}{path}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": "Bearer " + ENV["SF_ACCESS_TOKEN"],
        "Content-Type": "application/json",
    })
    ctx = ssl.create_default_context(cafile=ENV["SF_CA_BUNDLE"])
    with urllib.request.urlopen(req, context=ctx) as resp:
        text = resp.read()
    return json.loads(text) if text else None
