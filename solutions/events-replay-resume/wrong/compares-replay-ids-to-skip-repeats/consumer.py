"""Known-bad: creates a record per event and skips repeats by comparing replay ids.

Everything else is the reference: the replay id is stored after the event is applied, and a
refused stored id starts over from EARLIEST. But an event whose replay id is above the stored
one is taken for new and POSTed. A kill after the org wrote a record and before its replay id
was stored brings that event back with a newer id than the stored one, and the consumer
creates a second Shipment__c for the same order. Replay ids are opaque: comparing them says
nothing about what was applied.
"""
import os
import queue

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
    order = event["Order_Number__c"]
    rest("POST", "/sobjects/Shipment__c",
         {"Name": order, "Order_Number__c": order, "Carrier__c": event["Carrier__c"]})


def seen_before(replay_id):
    last = stored_replay_id()
    return last is not None and int.from_bytes(replay_id, "big") <= int.from_bytes(last, "big")


def first_request():
    last = stored_replay_id()
    if last is None:
        # Never ran before: only what is published from now on.
        return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.LATEST, num_requested=BATCH)
    return pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.CUSTOM, replay_id=last,
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
            if seen_before(item.replay_id):
                print("skip repeat", event["Order_Number__c"], flush=True)
                continue
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
