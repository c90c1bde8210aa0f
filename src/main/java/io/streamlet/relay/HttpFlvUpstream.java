package io.streamlet.relay;

import io.streamlet.flv.FlvReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pulls an HTTP(S)-FLV stream: one GET whose endless body is parsed as it arrives, on the HTTP client's
 * threads (no thread waits per pull), by an incremental {@link FlvReader}. Any status but 200 (an origin's
 * 404 for a stream it does not have), malformed FLV, or the end of the body ends the connection.
 */
final class HttpFlvUpstream implements Upstream, Flow.Subscriber<List<ByteBuffer>>, FlvReader.Handler {
    private final Listener listener;
    private final FlvReader reader = new FlvReader(this);
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Flow.Subscription subscription;
    private volatile CompletableFuture<?> exchange;
    private volatile long bytesIn;
    private volatile long lastDataNanos = System.nanoTime();
    private byte[] chunk = new byte[16 * 1024];

    private HttpFlvUpstream(Listener listener) {
        this.listener = listener;
    }

    /**
     * Sends the GET; reports to {@code listener} from the client's threads.
     *
     * @param hops the relays the stream will have crossed on arrival here, for the upstream's loop check
     * @param answerTimeout how long the upstream may take to answer with its headers
     */
    static HttpFlvUpstream open(HttpClient client, URI url, int hops, Duration answerTimeout, Listener listener) {
        HttpFlvUpstream upstream = new HttpFlvUpstream(listener);
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(answerTimeout)
                .header(Pulls.HOPS_HEADER, Integer.toString(hops))
                .GET()
                .build();
        CompletableFuture<HttpResponse<Void>> sent = client.sendAsync(request, upstream::onResponse);
        upstream.exchange = sent;
        sent.whenComplete((response, failure) -> {
            if (failure != null) {
                upstream.end(failure.getCause() != null ? failure.getCause().toString() : failure.toString());
            } else if (response.statusCode() != 200) {
                upstream.end("HTTP " + response.statusCode());
            }
        });
        return upstream;
    }

    private HttpResponse.BodySubscriber<Void> onResponse(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) return HttpResponse.BodySubscribers.replacing(null);
        return HttpResponse.BodySubscribers.fromSubscriber(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (ended.get()) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        lastDataNanos = System.nanoTime();
        try {
            for (ByteBuffer b : buffers) {
                int n = b.remaining();
                if (chunk.length < n) chunk = new byte[n];
                b.get(chunk, 0, n);
                bytesIn += n; // one writer: the subscriber's calls are serial
                reader.feed(chunk, 0, n);
                if (ended.get()) return;
            }
        } catch (FlvReader.FlvFormatException e) {
            end("malformed FLV: " + e.getMessage());
            return;
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable failure) {
        end(failure.toString());
    }

    @Override
    public void onComplete() {
        end("the upstream ended the stream");
    }

    @Override
    public void onHeader(int flags) {}

    @Override
    public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
        if (!ended.get()) listener.onMedia(type, timestamp, Arrays.copyOfRange(body, offset, offset + length));
    }

    @Override
    public long bytesIn() {
        return bytesIn;
    }

    @Override
    public long silentNanos() {
        return System.nanoTime() - lastDataNanos;
    }

    @Override
    public void close() {
        if (ended.compareAndSet(false, true)) abort();
    }

    private void end(String reason) {
        if (!ended.compareAndSet(false, true)) return;
        abort();
        listener.onEnd(reason);
    }

    private void abort() {
        Flow.Subscription s = subscription;
        if (s != null) s.cancel(); // closes the connection: an endless body cannot be drained for reuse
        CompletableFuture<?> e = exchange;
        if (e != null) e.cancel(true);
    }
}
