"""Known-bad: after a restart it subscribes with CUSTOM and eight zero bytes, a made-up replay
id meant as "from the start", instead of the id it stored. Replay ids are opaque: the org
issued no id 0 and refuses it, and the fallback re-reads the whole retained stream.

Otherwise as the reference: stores after each upsert, EARLIEST after a refused id. A stored id the org refuses (left by another org, or older than
the bus keeps events) is logged and forgotten, and the consumer starts over from EARLIEST:
the upserts make repeats harmless, and nothing the bus still holds is skipped.
"""
import os
import queue
import urllib.parse

import grpc

from pubsub import connect, decode, pb2, rest, schema_of

TOPIC = "/event/OrderShipped__e"
BATCH = 10
STATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "replay-id.txt")


def stored_replay_id():
    try:
        with open(STATE) as f:
            return bytes.fromhex(f.read().strip()) or None
    except (FileNotFoundError, ValueError):
        return None


def store_replay_id(replay_id):
    with open(STATE + ".tmp", "w") as f:
        f.write(replay_id.hex())
    os.replace(STATE + ".tmp", STATE)


def apply(event):
    # Upsert keyed by the order number: a second delivery updates the same record.
    number = urllib.parse.quote(event["Order_Number__c"], safe="")
    rest("PATCH", f"/sobjects/Shipment__c/Order_Number__c/{number}",
         {"Name": event["Order_Number__c"], "Carrier__c": event["Carrier__c"]})


def first_request():
    last = stored_replay_id()
    if last is None:
        # Never ran before: only what is published from now on.
        return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.LATEST, num_requested=BATCH)
    # Known-bad: a computed id instead of the stored one.
    return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.CUSTOM, replay_id=bytes(8),
                            num_requested=BATCH)


def consume(stub, auth, schema, first):
    requests = queue.Queue()
    requests.put(first)

    def outgoing():
        while True:
            yield requests.get()

    for answer in stub.Subscribe(outgoing(), metadata=auth):
        for item in answer.events:
            event = decode(item.event.payload, schema)
            apply(event)
            store_replay_id(item.replay_id)
            print("applied", event["Order_Number__c"], flush=True)
        if answer.events:
            requests.put(pb2.FetchRequest(topic_name=TOPIC, num_requested=len(answer.events)))


def main():
    stub, auth = connect()
    schema = schema_of(stub, auth, TOPIC)
    first = first_request()
    try:
        consume(stub, auth, schema, first)
    except grpc.RpcError as refused:
        if first.replay_preset != pb2.CUSTOM or refused.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        # The stored id is no position on this org's bus: say so, and start over from what the
        # bus still holds (repeats are harmless: every apply is an upsert).
        print("stored replay id refused:", refused.details(), flush=True)
        os.remove(STATE)
        consume(stub, auth, schema,
                pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.EARLIEST, num_requested=BATCH))


if __name__ == "__main__":
    main()
