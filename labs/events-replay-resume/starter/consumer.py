"""Shipment consumer: turns every OrderShipped__e event into a Shipment__c record.

sflab runs it, stops it with SIGKILL in the middle of the stream, publishes while it is down,
starts it again in this folder, and hands one event out a second time. Make it:
  1. remember the replay id of the last event it applied (in a file here),
  2. resume from that replay id after a restart (CUSTOM preset), and
  3. apply an event twice without creating a second Shipment__c.
"""
import queue
import urllib.parse

from pubsub import connect, decode, pb2, rest, schema_of

TOPIC = "/event/OrderShipped__e"
BATCH = 10


def apply(event):
    # TODO: this creates a new record for every delivery, even a repeated one.
    rest("POST", "/sobjects/Shipment__c", {
        "Name": event["Order_Number__c"],
        "Order_Number__c": event["Order_Number__c"],
        "Carrier__c": event["Carrier__c"],
    })


def main():
    stub, auth = connect()
    schema = schema_of(stub, auth, TOPIC)
    requests = queue.Queue()
    # TODO: start from the stored replay id when there is one.
    requests.put(pb2.FetchRequest(topic_name=TOPIC, replay_preset=pb2.LATEST, num_requested=BATCH))

    def outgoing():
        while True:
            yield requests.get()

    for answer in stub.Subscribe(outgoing(), metadata=auth):
        for item in answer.events:
            event = decode(item.event.payload, schema)
            apply(event)
            # TODO: store item.replay_id (bytes) so a restart can resume after it.
            print("applied", event["Order_Number__c"], flush=True)
        if answer.events:
            # Flow control: ask for as many events as were just handed over.
            requests.put(pb2.FetchRequest(topic_name=TOPIC, num_requested=len(answer.events)))


if __name__ == "__main__":
    main()
