"""The Python peer of the bench's Pulse rows: consume N messages from a queue with pika, as a
Python user would write it (a blocking connection, a callback doing json.loads, an ack per
message), and write the seconds from connecting to the Nth ack to $TC_BENCH_SECONDS_FILE. With
RUN above 1 it acks every RUNth message with multiple=True (and the last) instead.

usage: pika_consume.py QUEUE N PREFETCH [RUN]
"""

import json
import os
import sys
import time

import pika


def main():
    queue, n, prefetch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    run = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    start = time.perf_counter()
    # The broker the benchmark uses: TC_BROKER_URL (what start.sh prints) or 127.0.0.1:5672.
    params = pika.URLParameters(
        os.environ.get("TC_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    )
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    done = 0

    def on_message(ch, method, _properties, body):
        nonlocal done
        message = json.loads(body)
        if message["version"] != 1:
            raise ValueError(f"unexpected message {message!r}")
        done += 1
        if run == 1:
            ch.basic_ack(delivery_tag=method.delivery_tag)
        elif done % run == 0 or done == n:
            ch.basic_ack(delivery_tag=method.delivery_tag, multiple=True)
        if done == n:
            ch.stop_consuming()

    channel.basic_consume(queue=queue, on_message_callback=on_message)
    channel.start_consuming()
    seconds = time.perf_counter() - start
    # Untimed, as the bench's other consumers: RabbitMQ sometimes does not apply acks that
    # arrive just before their channel closes (see SETTLE in src/pulse.rs).
    connection.sleep(0.5)
    connection.close()
    with open(os.environ["TC_BENCH_SECONDS_FILE"], "w") as f:
        f.write(f"{seconds}")


if __name__ == "__main__":
    main()
