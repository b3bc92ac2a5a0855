//! The connection server under the API: accepts TCP connections, caps them per client
//! address, closes a connection whose request headers stall or that idles too long
//! between requests, answers the protocol errors hyper detects by itself (400, 414, 431)
//! with the error envelope, terminates TLS when configured ([`crate::tls`]), and drains
//! connections on shutdown.
//!
//! poem's own server offers none of these limits (it sets no header timeout and no timer),
//! so the server drives hyper itself. hyper's `header_read_timeout` is not used either: it
//! starts while a keep-alive connection idles, so it would also cut idle connections after
//! a few seconds. Here the header clock starts at a request's first byte, and a separate,
//! longer keep-alive limit covers idle connections.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::settings::Settings;

/// Largest request head (request line and headers) hyper buffers; a larger one is
/// answered 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What a connection may do before it is closed.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time from a request's first byte until its headers are complete.
    pub header_read_timeout: Duration,
    /// Time a connection may wait for its next request.
    pub keep_alive_idle: Duration,
    /// Most open connections per client address (0: no limit).
    pub max_per_address: usize,
    /// Peers exempt from the per-address limit (trusted proxies carry many clients).
    pub exempt: Vec<ipnet::IpNet>,
}

impl ConnectionLimits {
    /// The limits the settings ask for.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            header_read_timeout: settings.header_read_timeout,
            keep_alive_idle: settings.keep_alive_idle,
            max_per_address: settings.max_connections_per_address,
            exempt: settings.trusted_proxies.clone(),
        }
    }
}

/// Serves `endpoint` on `listener` (over TLS when `tls` is given) until `shutdown`
/// completes; then stops accepting, lets open requests finish for up to `grace`, and
/// closes what is left.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
    tls: Option<TlsAcceptor>,
) -> io::Result<()>
where
    E: Endpoint<Output = poem::Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let limits = Arc::new(limits);
    let counts = Arc::new(AddressCounts::default());
    let draining = CancellationToken::new();
    let closing = CancellationToken::new();
    let tracker = TaskTracker::new();
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, tls = tls.is_some(), "listening");
    let admit = |stream: TcpStream, peer: SocketAddr| {
        let slot = match counts.admit(peer.ip(), &limits) {
            Admission::Admitted(slot) => slot,
            Admission::Refused { first } => {
                // One line per address and episode: a flood must not flood the log too.
                if first {
                    tracing::warn!(target: "lms::security", client_ip = %peer.ip(), limit = limits.max_per_address, "connections refused: too many open from this address");
                }
                return;
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            endpoint: endpoint.clone(),
            limits: limits.clone(),
            local,
            peer,
            draining: draining.clone(),
            closing: closing.clone(),
            tls: tls.clone(),
        };
        tracker.spawn(async move {
            connection.serve(stream).await;
            drop(slot);
        });
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => admit(stream, peer),
                // Out of descriptors and the like: the listener itself is fine; back off.
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    // Connections the kernel completed before the listener closes would be reset with it:
    // they are taken from the backlog and served instead.
    if let Ok(listener) = listener.into_std() {
        while let Ok((stream, peer)) = listener.accept() {
            if let Ok(stream) = stream.set_nonblocking(true).and_then(|()| TcpStream::from_std(stream)) {
                admit(stream, peer);
            }
        }
    }
    tracker.close();
    draining.cancel();
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        tracing::warn!(
            open = tracker.len(),
            "grace period over; closing the remaining connections"
        );
        closing.cancel();
        tracker.wait().await;
    }
    Ok(())
}

/// Open connections per client address, and whether some were refused since the address
/// last had none open.
#[derive(Debug, Default)]
struct AddressCounts(Mutex<HashMap<IpAddr, (usize, bool)>>);

/// One admitted connection's place in [`AddressCounts`], given back when dropped.
struct AddressSlot {
    counts: Arc<AddressCounts>,
    ip: IpAddr,
}

/// Whether a connection may be served.
enum Admission {
    /// Yes, counted in its address's share (`None`: exempt or unlimited, not counted).
    Admitted(Option<AddressSlot>),
    /// No: its address holds its share; `first` for the first refusal of the episode.
    Refused {
        /// No connection of this address was refused since it last had none open.
        first: bool,
    },
}

impl AddressCounts {
    /// Admits a connection from `ip` unless the address already holds its share. Exempt
    /// and unlimited connections are admitted without being counted.
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &ConnectionLimits) -> Admission {
        if limits.max_per_address == 0 || limits.exempt.iter().any(|net| net.contains(&ip)) {
            return Admission::Admitted(None);
        }
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (open, refused) = counts.entry(ip).or_insert((0, false));
        if *open >= limits.max_per_address {
            let first = !*refused;
            *refused = true;
            return Admission::Refused { first };
        }
        *open += 1;
        Admission::Admitted(Some(AddressSlot {
            counts: self.clone(),
            ip,
        }))
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((open, _)) = counts.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// One accepted connection and what it needs to serve requests.
struct Connection<E> {
    endpoint: Arc<E>,
    limits: Arc<ConnectionLimits>,
    local: SocketAddr,
    peer: SocketAddr,
    draining: CancellationToken,
    closing: CancellationToken,
    tls: Option<TlsAcceptor>,
}

impl<E: Endpoint<Output = poem::Response> + 'static> Connection<E> {
    async fn serve(self, stream: TcpStream) {
        let Some(tls) = self.tls.clone() else {
            return self.serve_io(stream, Scheme::HTTP).await;
        };
        // The handshake has the header timeout: a client that stalls it holds nothing longer.
        let handshake = tokio::time::timeout(self.limits.header_read_timeout, tls.accept(stream));
        let stream = tokio::select! {
            stream = handshake => stream,
            () = self.closing.cancelled() => return,
        };
        match stream {
            Ok(Ok(stream)) => self.serve_io(stream, Scheme::HTTPS).await,
            Ok(Err(error)) => tracing::debug!(client_ip = %self.peer.ip(), %error, "TLS handshake failed"),
            Err(_) => tracing::debug!(client_ip = %self.peer.ip(), "TLS handshake not completed in time"),
        }
    }

    async fn serve_io<S>(self, stream: S, scheme: Scheme)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let clock = Arc::new(RequestClock::new());
        let io = TokioIo::new(Watched::new(stream, clock.clone(), self.peer.ip()));
        let (endpoint, local, peer) = (self.endpoint.clone(), self.local, self.peer);
        let service_clock = clock.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let busy = service_clock.busy();
            let scheme = scheme.clone();
            async move {
                let req = poem::Request::from((
                    req,
                    LocalAddr(Addr::SocketAddr(local)),
                    RemoteAddr(Addr::SocketAddr(peer)),
                    scheme,
                ));
                let resp = endpoint.get_response(req).await;
                drop(busy);
                Ok::<_, Infallible>(hyper::Response::<
                    http_body_util::combinators::BoxBody<bytes::Bytes, io::Error>,
                >::from(resp))
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // Half-close: a client that closes its side keeps the request it sent running to
        // its answer, as poem's server did. Without it hyper drops the request where it
        // stands, and dropping storage operations mid-flight by the thousand (a load
        // generator stopping) left the MongoDB driver's pool wedged.
        builder.http1().max_buf_size(MAX_HEAD_BYTES).half_close(true);
        let conn = builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let expired = clock.expired(&self.limits);
        tokio::pin!(expired);
        let drained = async {
            self.draining.cancelled().await;
            // hyper closes a connection that has not sent a byte at once: one the kernel
            // accepted just before the listener closed gets the header time to send its
            // request, which is then answered.
            let deadline = Instant::now() + self.limits.header_read_timeout;
            while clock.untouched() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::pin!(drained);
        let mut draining = false;
        loop {
            tokio::select! {
                _ = conn.as_mut() => return,
                stalled = &mut expired => {
                    tracing::info!(client_ip = %self.peer.ip(), reason = stalled.reason(), "closing connection");
                    return;
                }
                () = &mut drained, if !draining => {
                    draining = true;
                    conn.as_mut().graceful_shutdown();
                }
                () = self.closing.cancelled() => return,
            }
        }
    }
}

/// Why a connection was closed by its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stalled {
    /// A request's headers did not complete in time.
    Headers,
    /// No request came for the keep-alive time.
    Idle,
}

impl Stalled {
    fn reason(self) -> &'static str {
        match self {
            Self::Headers => "request headers not received in time",
            Self::Idle => "keep-alive connection idle",
        }
    }
}

/// Where a connection stands between requests, for its deadlines.
#[derive(Debug)]
struct ClockState {
    /// Requests being served (several at once over HTTP/2).
    busy: usize,
    /// Whether bytes of a next request have arrived while none was being served.
    head_started: bool,
    /// When the current wait (for a first byte, or for the rest of the headers) began.
    since: Instant,
    /// Whether any byte has arrived on the connection.
    touched: bool,
}

/// A connection's deadlines: while no request is served, the headers must complete within
/// the header timeout of their first byte, and a next request must start within the
/// keep-alive time.
///
/// Nothing wakes the watchdog when the connection changes state: it looks at the clock at
/// the earliest moment a deadline could pass, and never later than one header timeout
/// after its last look. Serving a request costs a few uncontended locks and no wake-up;
/// an idle connection costs a timer firing once per header timeout.
#[derive(Debug)]
struct RequestClock {
    state: Mutex<ClockState>,
}

/// Marks a request as being served for as long as it lives.
struct Busy(Arc<RequestClock>);

impl RequestClock {
    fn new() -> Self {
        Self {
            state: Mutex::new(ClockState {
                busy: 0,
                head_started: false,
                since: Instant::now(),
                touched: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether no byte has arrived on the connection yet.
    fn untouched(&self) -> bool {
        !self.lock().touched
    }

    /// Bytes arrived: between requests, they start the header clock.
    fn bytes_read(&self) {
        let mut state = self.lock();
        state.touched = true;
        if state.busy == 0 && !state.head_started {
            state.head_started = true;
            state.since = Instant::now();
        }
    }

    /// A request's headers are complete: no deadline applies until it is answered.
    fn busy(self: &Arc<Self>) -> Busy {
        let mut state = self.lock();
        state.busy += 1;
        state.head_started = false;
        Busy(self.clone())
    }

    /// At `now`: `Err` when a deadline has passed, else when to look again.
    fn check(&self, now: Instant, limits: &ConnectionLimits) -> Result<Instant, Stalled> {
        let state = self.lock();
        let (deadline, stalled) = if state.busy > 0 {
            return Ok(now + limits.header_read_timeout);
        } else if state.head_started {
            (state.since + limits.header_read_timeout, Stalled::Headers)
        } else {
            (state.since + limits.keep_alive_idle, Stalled::Idle)
        };
        if now >= deadline {
            return Err(stalled);
        }
        // A request may start at any moment; its header clock is caught by the next look.
        Ok(deadline.min(now + limits.header_read_timeout))
    }

    /// Completes when a deadline passes.
    async fn expired(&self, limits: &ConnectionLimits) -> Stalled {
        loop {
            match self.check(Instant::now(), limits) {
                Err(stalled) => return stalled,
                Ok(next) => tokio::time::sleep_until(next).await,
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.busy = state.busy.saturating_sub(1);
        if state.busy == 0 {
            state.since = Instant::now();
            state.head_started = false;
        }
    }
}

/// The socket (or TLS stream) as hyper sees it: reads feed the [`RequestClock`], and
/// hyper's own bare error responses are replaced by enveloped ones.
struct Watched<S> {
    inner: S,
    clock: Arc<RequestClock>,
    client_ip: IpAddr,
    /// An enveloped error response being written in place of hyper's: its bytes, how many
    /// are written, and the length of hyper's response it stands for.
    replacement: Option<(Vec<u8>, usize, usize)>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Watched<S> {
    fn new(inner: S, clock: Arc<RequestClock>, client_ip: IpAddr) -> Self {
        Self {
            inner,
            clock,
            client_ip,
            replacement: None,
        }
    }

    /// Writes the pending replacement; `Ready(Ok(n))` with hyper's length once all of it
    /// is written.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, stands_for)) = &mut self.replacement {
            if *written == bytes.len() {
                let n = *stands_for;
                self.replacement = None;
                return Poll::Ready(Ok(n));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                other => return other,
            }
        }
        Poll::Ready(Ok(0))
    }

    fn poll_write_checked(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.replacement.is_none() {
            if let Some(status) = automatic_error(buf) {
                self.replacement = Some((enveloped_error(status, self.client_ip), 0, buf.len()));
            }
        }
        if self.replacement.is_some() {
            return self.poll_replacement(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Watched<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.clock.bytes_read();
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_checked(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &**b);
        if this.replacement.is_some() || automatic_error(first).is_some() {
            return this.poll_write_checked(cx, first);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The status of an error response hyper wrote by itself for a request it could not
/// parse. Every response of the application carries an `x-request-id` header; hyper's
/// automatic ones (400, 414, 431, with no body) do not.
fn automatic_error(buf: &[u8]) -> Option<u16> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let status = match rest.get(..4)? {
        b"400 " => 400,
        b"414 " => 414,
        b"431 " => 431,
        _ => return None,
    };
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = buf[..head_end].to_ascii_lowercase();
    let tagged = head.windows(15).any(|w| w == b"\nx-request-id: ");
    (!tagged).then_some(status)
}

/// A complete `Connection: close` response carrying the error envelope for `status`.
fn enveloped_error(status: u16, client_ip: IpAddr) -> Vec<u8> {
    let (reason, code, message) = match status {
        414 => ("URI Too Long", "URI_TOO_LONG", "the request target is too long"),
        431 => (
            "Request Header Fields Too Large",
            "HEADERS_TOO_LARGE",
            "the request headers are too large or too many",
        ),
        _ => ("Bad Request", "BAD_REQUEST", "the request is not valid HTTP"),
    };
    let request_id = uuid::Uuid::now_v7().to_string();
    tracing::info!(request_id = %request_id, %client_ip, method = "-", route = "protocol_error", status, "request");
    let body = crate::error::envelope_json(code, message, &request_id);
    let mut response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\nx-request-id: {request_id}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_own_error_responses_are_recognised_and_the_applications_are_not() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(automatic_error(bare), Some(431));
        assert_eq!(automatic_error(b"HTTP/1.1 400 Bad Request\r\n\r\n"), Some(400));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-request-id: abc\r\n\r\n{}";
        assert_eq!(automatic_error(ours), None);
        assert_eq!(automatic_error(b"HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(automatic_error(b"{\"partial\":\"body\"}"), None);
    }

    #[test]
    fn the_replacement_is_a_complete_enveloped_response() {
        let response = String::from_utf8(enveloped_error(431, IpAddr::from([127, 0, 0, 1]))).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["error"]["code"], "HEADERS_TOO_LARGE");
        assert!(!parsed["error"]["request_id"].as_str().unwrap().is_empty());
    }

    #[test]
    fn each_address_holds_at_most_its_share_and_exempt_peers_any_number() {
        let counts = Arc::new(AddressCounts::default());
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
            keep_alive_idle: Duration::from_secs(1),
            max_per_address: 2,
            exempt: vec!["10.0.0.0/8".parse().unwrap()],
        };
        let (a, b) = (IpAddr::from([127, 0, 0, 1]), IpAddr::from([127, 0, 0, 2]));
        let admitted = |admission| match admission {
            Admission::Admitted(slot) => slot,
            Admission::Refused { .. } => panic!("refused"),
        };
        let first = admitted(counts.admit(a, &limits));
        let second = admitted(counts.admit(a, &limits));
        assert!(
            matches!(counts.admit(a, &limits), Admission::Refused { first: true }),
            "a third"
        );
        assert!(
            matches!(counts.admit(a, &limits), Admission::Refused { first: false }),
            "logged once"
        );
        assert!(
            admitted(counts.admit(b, &limits)).is_some(),
            "another address has its own share"
        );
        drop(first);
        let third = admitted(counts.admit(a, &limits));
        assert!(third.is_some(), "a closed connection frees its place");
        drop((second, third));
        assert!(matches!(counts.admit(a, &limits), Admission::Admitted(Some(_))));
        for _ in 0..10 {
            let exempt = admitted(counts.admit(IpAddr::from([10, 1, 2, 3]), &limits));
            assert!(exempt.is_none(), "exempt, not counted");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn headers_have_their_own_clock_and_requests_being_served_have_none() {
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(5),
            keep_alive_idle: Duration::from_secs(75),
            max_per_address: 0,
            exempt: Vec::new(),
        };
        let clock = Arc::new(RequestClock::new());
        let start = Instant::now();
        let look = |at| clock.check(at, &limits);
        assert_eq!(look(start), Ok(start + limits.header_read_timeout), "idle: looks again");
        assert_eq!(
            look(start + Duration::from_secs(73)),
            Ok(start + limits.keep_alive_idle)
        );
        assert_eq!(look(start + limits.keep_alive_idle), Err(Stalled::Idle));

        tokio::time::advance(Duration::from_secs(10)).await;
        clock.bytes_read();
        let head = Instant::now();
        tokio::time::advance(Duration::from_secs(2)).await;
        clock.bytes_read();
        assert_eq!(
            look(Instant::now()),
            Ok(head + limits.header_read_timeout),
            "more bytes of the same head do not restart the clock"
        );
        assert_eq!(look(head + limits.header_read_timeout), Err(Stalled::Headers));

        let busy = clock.busy();
        let late = head + Duration::from_secs(600);
        assert_eq!(
            look(late),
            Ok(late + limits.header_read_timeout),
            "no deadline while served"
        );
        tokio::time::advance(Duration::from_secs(600)).await;
        drop(busy);
        let answered = Instant::now();
        assert_eq!(
            look(answered + Duration::from_secs(74)),
            Ok(answered + limits.keep_alive_idle)
        );

        // The watchdog notices a head that starts between its looks, and stops it in time.
        let watchdog = tokio::spawn({
            let clock = clock.clone();
            let limits = limits.clone();
            async move { (clock.expired(&limits).await, Instant::now()) }
        });
        tokio::time::advance(Duration::from_secs(1)).await;
        clock.bytes_read();
        let head = Instant::now();
        let (stalled, at) = watchdog.await.unwrap();
        assert_eq!(stalled, Stalled::Headers);
        assert_eq!(at, head + limits.header_read_timeout);
    }
}
