"""Drives the mock org's Pub/Sub API with a client generated from src/org/pubsub/pubsub_api.proto by
grpcio-tools at test time, decoding payloads with the avro package and the schema GetSchema
returns — the way the published Python samples work.

Reads SF_PUBSUB_ENDPOINT, SF_INSTANCE_URL, SF_ACCESS_TOKEN, SF_ORG_ID, SF_CA_BUNDLE and
GEN_DIR (where to write the generated modules). Prints one line per check; exits 1 on the
first wrong answer.
"""
import io
import json
import os
import subprocess
import sys
import threading
import queue
import urllib.request
import ssl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.environ["GEN_DIR"]
subprocess.run(
    [sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(ROOT, "src", "org", "pubsub"),
     "--python_out", GEN, "--grpc_python_out", GEN, "pubsub_api.proto"],
    check=True,
)
sys.path.insert(0, GEN)

import avro.io  # noqa: E402
import avro.schema  # noqa: E402
import grpc  # noqa: E402
import pubsub_api_pb2 as pb2  # noqa: E402
import pubsub_api_pb2_grpc as pb2_grpc  # noqa: E402


def check(name, cond, detail=None):
    if not cond:
        print(f"FAILED {name}: {detail!r}", file=sys.stderr)
        sys.exit(1)
    print(f"ok {name}")


with open(os.environ["SF_CA_BUNDLE"], "rb") as f:
    creds = grpc.ssl_channel_credentials(root_certificates=f.read())
channel = grpc.secure_channel(os.environ["SF_PUBSUB_ENDPOINT"], creds)
stub = pb2_grpc.PubSubStub(channel)
auth = (
    ("accesstoken", os.environ["SF_ACCESS_TOKEN"]),
    ("instanceurl", os.environ["SF_INSTANCE_URL"]),
    ("tenantid", os.environ["SF_ORG_ID"]),
)

# Authentication failures are UNAUTHENTICATED.
try:
    stub.GetTopic(pb2.TopicRequest(topic_name="/event/OrderShipped__e"),
                  metadata=(("accesstoken", "wrong"),) + auth[1:])
    check("a wrong token is refused", False)
except grpc.RpcError as e:
    check("a wrong token is UNAUTHENTICATED", e.code() == grpc.StatusCode.UNAUTHENTICATED, e.code())

topic = stub.GetTopic(pb2.TopicRequest(topic_name="/event/OrderShipped__e"), metadata=auth)
check("GetTopic says a platform event can be published", topic.can_publish and topic.can_subscribe, topic)
schema_info = stub.GetSchema(pb2.SchemaRequest(schema_id=topic.schema_id), metadata=auth)
schema = avro.schema.parse(schema_info.schema_json)
check("GetSchema returns the topic's Avro schema", schema.name == "OrderShipped__e", schema_info.schema_json)


def encode(record, sch):
    buf = io.BytesIO()
    avro.io.DatumWriter(sch).write(record, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def decode(payload, sch):
    return avro.io.DatumReader(sch).read(avro.io.BinaryDecoder(io.BytesIO(payload)))


def event(number):
    rec = {"CreatedDate": 0, "CreatedById": "005000000000000AAA", "Order_Number__c": number,
           "Carrier__c": "DHL", "Tracking_Number__c": None, "Shipped_At__c": 1767225600000,
           "Weight_Kg__c": 2.5}
    return pb2.ProducerEvent(id=number, schema_id=topic.schema_id, payload=encode(rec, schema))


resp = stub.Publish(pb2.PublishRequest(topic_name="/event/OrderShipped__e",
                                       events=[event("SO-1"), event("SO-2")]), metadata=auth)
check("Publish gives a replay id per event",
      len(resp.results) == 2 and all(r.replay_id and not r.HasField("error") for r in resp.results), resp)
check("Publish echoes the correlation key", resp.results[0].correlation_key == "SO-1", resp)


def subscribe(topic_name, preset, replay_id=b"", first=1, more=()):
    """Subscribes; yields responses. `more` are extra num_requested sent after each batch."""
    requests = queue.Queue()
    requests.put(pb2.FetchRequest(topic_name=topic_name, replay_preset=preset,
                                  replay_id=replay_id, num_requested=first))

    def gen():
        while True:
            r = requests.get()
            if r is None:
                return
            yield r

    return requests, stub.Subscribe(gen(), metadata=auth)


# EARLIEST with flow control: one event per request.
reqs, stream = subscribe("/event/OrderShipped__e", pb2.EARLIEST, first=1)
first = next(stream)
check("only the one requested event comes", len(first.events) == 1 and first.pending_num_requested == 0, first)
got = decode(first.events[0].event.payload, schema)
check("the payload decodes with the schema", got["Order_Number__c"] == "SO-1" and got["Weight_Kg__c"] == 2.5, got)
check("the consumer event names its schema", first.events[0].event.schema_id == topic.schema_id, first)
reqs.put(pb2.FetchRequest(num_requested=5))
second = next(stream)
check("the next request delivers the next event", decode(second.events[0].event.payload, schema)["Order_Number__c"] == "SO-2", second)
stored = second.events[0].replay_id
reqs.put(None)
stream.cancel()

# Resume after a stored replay id: nothing twice.
stub.Publish(pb2.PublishRequest(topic_name="/event/OrderShipped__e", events=[event("SO-3")]), metadata=auth)
reqs, stream = subscribe("/event/OrderShipped__e", pb2.CUSTOM, replay_id=stored, first=10)
resumed = next(stream)
numbers = [decode(e.event.payload, schema)["Order_Number__c"] for e in resumed.events]
check("CUSTOM replay resumes after the stored id", numbers == ["SO-3"], numbers)
reqs.put(None)
stream.cancel()

# A replay id the org never issued is INVALID_ARGUMENT with an error-code trailer.
reqs, stream = subscribe("/event/OrderShipped__e", pb2.CUSTOM, replay_id=(10**9).to_bytes(8, "big"))
try:
    next(stream)
    check("a bad replay id is refused", False)
except grpc.RpcError as e:
    trailers = dict(e.trailing_metadata() or ())
    check("a bad replay id is INVALID_ARGUMENT", e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code())
    check("the error-code trailer names the replay validation",
          "fetch.replayid.validation.failed" in trailers.get("error-code", ""), trailers)
reqs.put(None)

# Change Data Capture: a record created over REST arrives as an Avro change event.
cdc_topic = stub.GetTopic(pb2.TopicRequest(topic_name="/data/AccountChangeEvent"), metadata=auth)
check("a change event topic cannot be published", not cdc_topic.can_publish, cdc_topic)
cdc_schema = avro.schema.parse(stub.GetSchema(pb2.SchemaRequest(schema_id=cdc_topic.schema_id), metadata=auth).schema_json)
reqs, stream = subscribe("/data/AccountChangeEvent", pb2.LATEST, first=1)
results = queue.Queue()
threading.Thread(target=lambda: results.put(next(stream)), daemon=True).start()
import time  # noqa: E402
time.sleep(0.5)
ctx = ssl.create_default_context(cafile=os.environ["SF_CA_BUNDLE"])
req = urllib.request.Request(
    os.environ["SF_INSTANCE_URL"] + "/services/data/v62.0/sobjects/Account",
    data=json.dumps({"Name": "Pub/Sub Co"}).encode(), method="POST",
    headers={"Authorization": "Bearer " + os.environ["SF_ACCESS_TOKEN"], "Content-Type": "application/json"})
created = json.load(urllib.request.urlopen(req, context=ctx))
change = results.get(timeout=20)
rec = decode(change.events[0].event.payload, cdc_schema)
header = rec["ChangeEventHeader"]
check("the change event is a CREATE of the new record",
      header["changeType"] == "CREATE" and header["recordIds"] == [created["id"]], header)
check("the change event carries the record's fields", rec["Name"] == "Pub/Sub Co", rec)
reqs.put(None)
stream.cancel()
print("all Pub/Sub checks passed")
