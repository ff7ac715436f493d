//! The quorum collector against stub operator servers: axum on `127.0.0.1:0`, one per operator,
//! each answering `GET /checkpoints/{origin}/{destination}/{which}` from a script.
//!
//! The set is four operators `key(0..4)` of weights 100/200/300/400 with a threshold of
//! 6 667 bps (667 of 1 000) and two signers at least, so which operators sign decides the round.

use std::sync::Mutex as StdMutex;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use causeway_core::{B256, Operator, OperatorKey, U256, vectors::test_key};
use tokio::{net::TcpListener, task::JoinHandle};

use super::*;

const ORIGIN: Domain = 1;
const DESTINATION: Domain = 2;
const EPOCH: u64 = 3;
const DOMAIN: SigningDomain =
    SigningDomain { chain_id: 31337, registry: Address::repeat_byte(0x42) };
const WEIGHTS: [u128; 4] = [100, 200, 300, 400];
/// ⌈1 000 × 6 667 / 10 000⌉.
const REQUIRED: u128 = 667;
/// The collector's per-operator timeout.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How long a slow operator takes to answer: far beyond [`TIMEOUT`].
const SLOW: Duration = Duration::from_secs(10);

/// Operator `i`'s key; `i >= 4` is not in the set.
fn key(i: usize) -> OperatorKey {
    test_key(u32::try_from(i).unwrap() + 1).unwrap()
}

fn set() -> OperatorSet {
    let operators = (0..4).map(|i| Operator { address: key(i).address(), weight: WEIGHTS[i] });
    OperatorSet::from_unsorted(EPOCH, 1_700_000_000, operators.collect(), 6_667, 2).unwrap()
}

/// The honest checkpoint of the route at leaf `index`.
fn checkpoint(index: u32) -> Checkpoint {
    let mut root = B256::repeat_byte(0x11);
    root[..4].copy_from_slice(&index.to_be_bytes());
    Checkpoint { origin: ORIGIN, outbox: B256::repeat_byte(0xaa), root, index, epoch: EPOCH }
}

/// A checkpoint of the same index and epoch with another root.
fn forged(index: u32) -> Checkpoint {
    Checkpoint { root: B256::repeat_byte(0xee), ..checkpoint(index) }
}

/// Operator `i`'s honest answer for `cp`.
fn view(i: usize, cp: &Checkpoint) -> SignatureView {
    let key = key(i);
    SignatureView {
        checkpoint: *cp,
        signer: key.address(),
        signature: key.sign_checkpoint(cp, &DOMAIN).unwrap(),
    }
}

/// What a stub answers for one `which`.
#[derive(Debug, Clone)]
enum Reply {
    View(SignatureView),
    Status(StatusCode),
    /// A raw body served as `application/json`.
    Body(&'static str),
}

impl From<SignatureView> for Reply {
    fn from(view: SignatureView) -> Self {
        Self::View(view)
    }
}

/// A stub operator's behaviour: registry key `operator`, answers by `which` (404 otherwise),
/// each after `delay`.
#[derive(Debug, Default)]
struct Script {
    operator: usize,
    replies: HashMap<String, Reply>,
    delay: Duration,
}

impl Script {
    /// Operator `i` answering nothing.
    fn new(i: usize) -> Self {
        Self { operator: i, ..Self::default() }
    }

    /// Operator `i` at `latest`, having signed every index up to it.
    fn honest(i: usize, latest: u32) -> Self {
        (0..=latest).fold(Self::new(i).reply("latest", view(i, &checkpoint(latest))), |s, index| {
            s.reply(&index.to_string(), view(i, &checkpoint(index)))
        })
    }

    fn reply(mut self, which: &str, reply: impl Into<Reply>) -> Self {
        self.replies.insert(which.into(), reply.into());
        self
    }

    fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Debug, Clone)]
struct StubState {
    script: Arc<Script>,
    asked: Arc<StdMutex<Vec<String>>>,
}

/// A running stub; the server task is aborted on drop.
#[derive(Debug)]
struct Stub {
    endpoint: OperatorEndpoint,
    asked: Arc<StdMutex<Vec<String>>>,
    server: JoinHandle<()>,
}

impl Stub {
    /// The `which` of every request so far, in order.
    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    State(s): State<StubState>,
    Path((origin, destination, which)): Path<(Domain, Domain, String)>,
) -> Response {
    s.asked.lock().unwrap().push(which.clone());
    tokio::time::sleep(s.script.delay).await;
    if (origin, destination) != (ORIGIN, DESTINATION) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match s.script.replies.get(&which) {
        Some(Reply::View(view)) => Json(view.clone()).into_response(),
        Some(Reply::Status(status)) => status.into_response(),
        Some(Reply::Body(body)) => {
            ([(header::CONTENT_TYPE, "application/json")], *body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve(script: Script) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let endpoint = OperatorEndpoint { signing_key: key(script.operator).address(), url };
    let asked = Arc::<StdMutex<Vec<String>>>::default();
    let state = StubState { script: Arc::new(script), asked: asked.clone() };
    let app = Router::new()
        .route("/checkpoints/{origin}/{destination}/{which}", get(answer))
        .with_state(state);
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Stub { endpoint, asked, server }
}

async fn spawn_stubs(scripts: Vec<Script>) -> Vec<Stub> {
    let mut stubs = Vec::new();
    for script in scripts {
        stubs.push(serve(script).await);
    }
    stubs
}

fn endpoints(stubs: &[Stub]) -> Vec<OperatorEndpoint> {
    stubs.iter().map(|s| s.endpoint.clone()).collect()
}

/// Operator `i` announced at a port nobody listens on.
async fn dead(i: usize) -> OperatorEndpoint {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    OperatorEndpoint { signing_key: key(i).address(), url: format!("http://{addr}") }
}

/// Announces `operators` and records [`set`] for [`EPOCH`].
#[derive(Debug)]
struct Directory {
    operators: Vec<OperatorEndpoint>,
}

#[async_trait]
impl OperatorDirectory for Directory {
    async fn operators(&self) -> Result<Vec<OperatorEndpoint>, ChainError> {
        Ok(self.operators.clone())
    }

    async fn operator_set(&self, epoch: u64) -> Result<Option<OperatorSet>, ChainError> {
        Ok((epoch == EPOCH).then(set))
    }
}

/// One round of a fresh collector over `operators`, leaves up to `max_index`.
async fn collect(operators: Vec<OperatorEndpoint>, max_index: u32) -> Collected {
    let collector = QuorumCollector::new(Arc::new(Directory { operators }), DOMAIN, TIMEOUT);
    collector.collect(ORIGIN, DESTINATION, max_index).await.unwrap()
}

/// One round over `stubs`, any index.
async fn round(stubs: &[Stub]) -> Collected {
    collect(endpoints(stubs), u32::MAX).await
}

/// Asserts a quorum on `cp` of exactly operators `signers`, ascending by address, that verifies.
#[track_caller]
fn assert_quorum(collected: &Collected, cp: &Checkpoint, signers: &[usize]) {
    let Collected::Quorum(signed) = collected else {
        panic!("expected a quorum on {cp:?} by {signers:?}, got {collected:?}")
    };
    assert_eq!(signed.checkpoint, *cp);
    assert_eq!(signed.set, set());
    assert!(signed.signatures.windows(2).all(|w| w[0].0 < w[1].0), "signers ascending");
    let mut expected: Vec<_> = signers
        .iter()
        .map(|&i| {
            let v = view(i, cp);
            (v.signer, v.signature)
        })
        .collect();
    expected.sort_by_key(|(a, _)| *a);
    assert_eq!(signed.signatures, expected, "signers {signers:?}");
    let report = signed.verify(&DOMAIN).expect("the quorum verifies");
    let weight: u128 = signers.iter().map(|&i| WEIGHTS[i]).sum();
    assert_eq!(report.signed_weight, U256::from(weight));
}

fn short(asked: usize, answered: usize, signed_weight: u128, reason: &str) -> Collected {
    let required_weight = if signed_weight == 0 { 0 } else { REQUIRED };
    Collected::Short { asked, answered, signed_weight, required_weight, reason: reason.into() }
}

/// The reason of a candidate at `index` with `signed` weight of the 667 needed.
fn weight_short(index: u32, signed: u128) -> String {
    format!(
        "checkpoint {index} of route {ORIGIN} -> {DESTINATION}: signed weight {signed} is below \
         the required {REQUIRED} of total 1000"
    )
}

fn honest_at(latest: u32, operators: &[usize]) -> Vec<Script> {
    operators.iter().map(|&i| Script::honest(i, latest)).collect()
}

#[tokio::test]
async fn all_honest_at_one_index_make_a_quorum_of_everyone() {
    let stubs = spawn_stubs(honest_at(5, &[0, 1, 2, 3])).await;
    assert_quorum(&round(&stubs).await, &checkpoint(5), &[0, 1, 2, 3]);
    for stub in &stubs {
        assert_eq!(stub.asked(), ["latest"], "nobody is asked twice");
    }
}

#[tokio::test]
async fn a_slow_operator_is_not_waited_for_once_the_others_make_the_quorum() {
    let mut scripts = honest_at(5, &[1, 2, 3]);
    scripts.push(Script::honest(0, 5).delayed(SLOW));
    let stubs = spawn_stubs(scripts).await;
    let start = Instant::now();
    let collected = round(&stubs).await;
    let elapsed = start.elapsed();
    assert_quorum(&collected, &checkpoint(5), &[1, 2, 3]);
    assert!(elapsed < SLOW, "the round took {elapsed:?}, as long as the slow operator");

    // When its weight is needed, the round gives up on it after the timeout.
    let mut scripts = honest_at(5, &[0, 1, 2]);
    scripts.push(Script::honest(3, 5).delayed(SLOW));
    let stubs = spawn_stubs(scripts).await;
    let start = Instant::now();
    let collected = round(&stubs).await;
    let elapsed = start.elapsed();
    assert_eq!(collected, short(4, 3, 600, &weight_short(5, 600)));
    assert!(elapsed >= TIMEOUT && elapsed < SLOW, "the round took {elapsed:?}");
}

#[tokio::test]
async fn a_dead_operator_is_left_out() {
    let stubs = spawn_stubs(honest_at(5, &[1, 2, 3])).await;
    let mut operators = vec![dead(0).await];
    operators.extend(endpoints(&stubs));
    assert_quorum(&collect(operators, u32::MAX).await, &checkpoint(5), &[1, 2, 3]);

    let stubs = spawn_stubs(honest_at(5, &[0, 1, 2])).await;
    let mut operators = endpoints(&stubs);
    operators.push(dead(3).await);
    assert_eq!(collect(operators, u32::MAX).await, short(4, 3, 600, &weight_short(5, 600)));
}

#[tokio::test]
async fn a_lying_operator_does_not_count_for_the_honest_checkpoint() {
    // The liar answers first (the honest operators take a moment), so its forged checkpoint is
    // seen before the honest one of the same index and epoch; the honest one still wins.
    let mut scripts: Vec<Script> = honest_at(5, &[1, 2, 3])
        .into_iter()
        .map(|s| s.delayed(Duration::from_millis(300)))
        .collect();
    scripts.push(Script::new(0).reply("latest", view(0, &forged(5))));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &checkpoint(5), &[1, 2, 3]);

    // Without the liar's weight the honest checkpoint is short (the forged one is weaker).
    let mut scripts = honest_at(5, &[0, 1, 2]);
    scripts.push(Script::new(3).reply("latest", view(3, &forged(5))));
    let stubs = spawn_stubs(scripts).await;
    assert_eq!(round(&stubs).await, short(4, 4, 600, &weight_short(5, 600)));

    // An operator ahead at 7 that answers a forged checkpoint when asked for 5 is not counted
    // for 5 either: 0, 3 and the honest ahead 1 make 700.
    let mut scripts = honest_at(5, &[0, 3]);
    scripts.push(Script::honest(1, 7));
    scripts.push(Script::honest(2, 7).reply("5", view(2, &forged(5))));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &checkpoint(5), &[0, 1, 3]);
}

#[tokio::test]
async fn an_answer_not_signed_by_the_registry_key_is_left_out() {
    let cp = checkpoint(5);
    let outsider = key(4);
    let other_domain = SigningDomain { chain_id: 1, ..DOMAIN };
    let bad = [
        // An outsider's honest signature.
        view(4, &cp),
        // The outsider's signature claiming to be operator 3's.
        SignatureView { signer: key(3).address(), ..view(4, &cp) },
        // Operator 3's signature, but the `signer` field names someone else.
        SignatureView { signer: outsider.address(), ..view(3, &cp) },
        // Another member's valid signature replayed from operator 3's endpoint.
        view(2, &cp),
        // Operator 3's key under another signing domain.
        SignatureView {
            signature: key(3).sign_checkpoint(&cp, &other_domain).unwrap(),
            ..view(3, &cp)
        },
    ];
    for (n, bad) in bad.into_iter().enumerate() {
        let mut scripts = honest_at(5, &[0, 1, 2]);
        scripts.push(Script::new(3).reply("latest", bad));
        let stubs = spawn_stubs(scripts).await;
        assert_eq!(round(&stubs).await, short(4, 3, 600, &weight_short(5, 600)), "case {n}");
    }

    let mut scripts = honest_at(5, &[1, 2, 3]);
    scripts.push(Script::new(0).reply("latest", view(4, &cp)));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &cp, &[1, 2, 3]);
}

#[tokio::test]
async fn operators_ahead_are_asked_for_the_candidate_index() {
    // 0 and 3 at 5 (500), 1 and 2 at 7 (500): 7 lacks weight, 5 gets everyone.
    let mut scripts = honest_at(5, &[0, 3]);
    scripts.extend(honest_at(7, &[1, 2]));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &checkpoint(5), &[0, 1, 2, 3]);
    assert_eq!(stubs[0].asked(), ["latest"]);
    assert_eq!(stubs[1].asked(), ["latest"]);
    assert_eq!(stubs[2].asked(), ["latest", "5"]);
    assert_eq!(stubs[3].asked(), ["latest", "5"]);

    // 2 and 3 at 7 (700) make the newer quorum; nobody is asked for an index.
    let mut scripts = honest_at(5, &[0, 1]);
    scripts.extend(honest_at(7, &[2, 3]));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &checkpoint(7), &[2, 3]);
    for stub in &stubs {
        assert_eq!(stub.asked(), ["latest"]);
    }

    // 7 is past `max_index` 6: 0 and 1 at 5 plus 2 and 3 asked for 5.
    let mut scripts = honest_at(5, &[0, 1]);
    scripts.extend(honest_at(7, &[2, 3]));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&collect(endpoints(&stubs), 6).await, &checkpoint(5), &[0, 1, 2, 3]);
    assert_eq!(stubs[3].asked(), ["latest", "5"]);
}

#[tokio::test]
async fn everyone_past_max_index_is_asked_for_max_index() {
    let stubs = spawn_stubs(honest_at(7, &[0, 1, 2, 3])).await;
    assert_quorum(&collect(endpoints(&stubs), 6).await, &checkpoint(6), &[0, 1, 2, 3]);
    for stub in &stubs {
        assert_eq!(stub.asked(), ["latest", "6"]);
    }
}

#[tokio::test]
async fn malformed_answers_and_errors_are_left_out() {
    let garbage = [
        Reply::Status(StatusCode::INTERNAL_SERVER_ERROR),
        Reply::Body("{not json"),
        Reply::Body(r#"{"checkpoint": 5, "signer": "0x01"}"#),
        Reply::Status(StatusCode::NOT_FOUND),
    ];
    let mut scripts = honest_at(5, &[2, 3]);
    scripts.push(Script::new(0).reply("latest", garbage[0].clone()));
    scripts.push(Script::new(1).reply("latest", garbage[1].clone()));
    let stubs = spawn_stubs(scripts).await;
    assert_quorum(&round(&stubs).await, &checkpoint(5), &[2, 3]);

    for (n, reply) in garbage.into_iter().enumerate() {
        let mut scripts = honest_at(5, &[0, 1, 2]);
        scripts.push(Script::new(3).reply("latest", reply));
        let stubs = spawn_stubs(scripts).await;
        assert_eq!(round(&stubs).await, short(4, 3, 600, &weight_short(5, 600)), "case {n}");
    }
}

#[tokio::test]
async fn no_operator_announced() {
    assert_eq!(collect(Vec::new(), u32::MAX).await, short(0, 0, 0, "no operator is announced"));
}
