//! Deploy to S3: the build's manifest and the bucket's (`PREFIX/.kabar-deploy`) → PUTs of
//! the changed files, a batched DELETE of the removed ones, then the new manifest.
//!
//! Before the first change a record of the deploy under way (`PREFIX/.kabar-deploy-pending`,
//! the new manifest) is written. A deploy that finds one was interrupted: it compares a
//! listing of the bucket (size and ETag, which is the MD5 of a single-request upload)
//! with the build and sends only what did not arrive.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};

use super::{DeployOptions, DeployReport, Error, Plan};
use crate::write::{Entry, Tree, parse_md5};

const MANIFEST: &str = ".kabar-deploy";
const PENDING: &str = ".kabar-deploy-pending";
/// Requests in flight at once: enough to hide latency, few enough for a small bucket.
const PARALLEL: usize = 16;
/// Files checked against the bucket before its manifest is trusted.
const SAMPLES: usize = 3;
/// Attempts kabar adds for a connection lost mid-request (see [`again`]).
const DROPS: u32 = 4;

struct Bucket {
    store: AmazonS3,
    url: String,
    prefix: String,
    requests: AtomicUsize,
}

impl Bucket {
    fn key(&self, rel: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(rel)
        } else {
            Key::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn count(&self, n: usize) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    fn fail(&self, what: &str, e: &object_store::Error) -> Error {
        let text = e.to_string();
        if text.contains("NoSuchBucket") {
            return Error::Target(format!(
                "{}: no such bucket (or these credentials cannot see it); nothing was changed",
                self.url
            ));
        }
        if text.contains("AccessDenied") || text.contains("403") {
            return Error::Target(format!(
                "{}: {what} was refused (access denied): check the credentials and the bucket policy\n  {text}",
                self.url
            ));
        }
        Error::Failed(format!("{}: cannot {what}: {text}", self.url))
    }

    /// A manifest stored in the bucket; `Ok(None)` when there is none.
    async fn manifest(&self, name: &str) -> Result<Option<Tree>, Error> {
        self.count(1);
        let key = self.key(name);
        let bytes = match again(|| async { self.store.get(&key).await?.bytes().await }).await {
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            other => other.map_err(|e| self.fail(&format!("read {name}"), &e))?,
        };
        let text = String::from_utf8_lossy(&bytes);
        match Tree::parse(&text) {
            Some(tree) => Ok(Some(tree)),
            None => Err(Error::Mismatch(format!(
                "{}/{name} is not a manifest this kabar wrote; nothing was changed\n  help: move it away, or deploy to another prefix",
                self.url
            ))),
        }
    }

    /// Every object under the prefix: path → (size, MD5 when the ETag is one).
    async fn listing(&self) -> Result<BTreeMap<String, (u64, Option<[u8; 16]>)>, Error> {
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        let objects: Vec<_> = again(|| self.store.list(prefix.as_ref()).try_collect())
            .await
            .map_err(|e| self.fail("list the bucket", &e))?;
        self.count(objects.len() / 1000 + 1);
        let skip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        Ok(objects
            .into_iter()
            .filter_map(|o| {
                let rel = o.location.as_ref().get(skip..)?.to_string();
                let md5 = o
                    .e_tag
                    .as_deref()
                    .and_then(|t| parse_md5(t.trim_matches('"')));
                Some((rel, (o.size, md5)))
            })
            .collect())
    }

    async fn put(&self, rel: &str, bytes: Vec<u8>, attributes: Attributes) -> Result<(), Error> {
        self.count(1);
        let sent = Entry::of(&bytes);
        let opts = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        let key = self.key(rel);
        let payload = PutPayload::from(bytes);
        let done = again(|| self.store.put_opts(&key, payload.clone(), opts.clone()))
            .await
            .map_err(|e| self.fail(&format!("upload {rel}"), &e))?;
        // The ETag of a single-request upload is the MD5 the server received.
        let received = done
            .e_tag
            .as_deref()
            .and_then(|t| parse_md5(t.trim_matches('"')));
        if received.is_some_and(|md5| md5 != sent.md5) {
            return Err(Error::Failed(format!(
                "{}: {rel} arrived damaged (its ETag is not the MD5 sent); run the deploy again",
                self.url
            )));
        }
        Ok(())
    }
}

/// Runs one request again after a lost connection. object_store retries a transport error
/// only when it can tell the request was never sent; a connection dropped once the request
/// was on its way (a proxy or server restarting) comes back to kabar as an error. Every
/// request a deploy makes is idempotent — GET, HEAD, a PUT of fixed bytes, DELETE — so
/// sending it again is safe; errors the server answered with are not retried here.
async fn again<T, F, Fut>(mut request: F) -> Result<T, object_store::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, object_store::Error>>,
{
    let mut wait = Duration::from_millis(200);
    for _ in 0..DROPS {
        match request().await {
            Err(e) if lost_connection(&e) => {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            done => return done,
        }
    }
    request().await
}

/// Whether the error is a transport failure (object_store's `HttpError`) rather than an
/// answer from the server, which object_store reports as a status.
fn lost_connection(e: &object_store::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<object_store::client::HttpError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// `rest` is the target after `s3://`: `bucket` or `bucket/prefix`.
pub(super) fn deploy(opts: &DeployOptions, tree: &Tree, rest: &str) -> Result<DeployReport, Error> {
    let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/').to_string();
    if name.is_empty() || prefix.split('/').any(|s| s == "." || s == "..") {
        return Err(Error::Target(format!(
            "{}: expected s3://bucket or s3://bucket/prefix",
            opts.target
        )));
    }
    let bucket = Bucket {
        store: store(name, opts.endpoint.as_deref())?,
        url: format!(
            "s3://{name}{}{prefix}",
            if prefix.is_empty() { "" } else { "/" }
        ),
        prefix,
        requests: AtomicUsize::new(0),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the network runtime: {e}")))?;
    runtime.block_on(run(opts, tree, &bucket))
}

fn store(bucket: &str, endpoint: Option<&str>) -> Result<AmazonS3, Error> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let has_key = var("AWS_ACCESS_KEY_ID").is_some() && var("AWS_SECRET_ACCESS_KEY").is_some();
    let has_role = var("AWS_WEB_IDENTITY_TOKEN_FILE").is_some()
        || var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || var("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some();
    // Without this check the client would wait on the EC2 metadata service, which
    // off EC2 ends in a timeout that names no cause.
    if !has_key && !has_role && var("KABAR_S3_INSTANCE_CREDENTIALS").is_none() {
        return Err(Error::Credentials(
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones); nothing was changed\n  help: on EC2 with an instance role, set KABAR_S3_INSTANCE_CREDENTIALS=1".into(),
        ));
    }
    let endpoint = endpoint.map(str::to_string).or_else(|| {
        ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
            .iter()
            .find_map(|k| var(k))
    });
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(8),
                base: 2.0,
            },
            max_retries: 6,
            retry_timeout: Duration::from_secs(120),
        });
    if let Some(url) = endpoint {
        builder = builder
            .with_allow_http(url.starts_with("http://"))
            .with_endpoint(url);
    }
    builder
        .build()
        .map_err(|e| Error::Target(format!("s3://{bucket}: {e}")))
}

async fn run(opts: &DeployOptions, tree: &Tree, bucket: &Bucket) -> Result<DeployReport, Error> {
    let remote = bucket.manifest(MANIFEST).await?;
    let pending = bucket.manifest(PENDING).await?;
    let owned: BTreeSet<String> = remote
        .iter()
        .chain(&pending)
        .flat_map(|t| t.files.keys().cloned())
        .collect();
    let mut resumed = 0;
    let have = match (&remote, &pending) {
        (Some(remote), None) if !opts.verify => {
            check_samples(bucket, remote).await?;
            remote.files.clone()
        }
        _ => {
            let listing = bucket.listing().await?;
            let ours = |k: &String| k != MANIFEST && k != PENDING;
            if remote.is_none() && pending.is_none() {
                if let Some(first) = listing.keys().find(|k| ours(k)) {
                    return Err(Error::NotKabar(format!(
                        "{} holds {} objects (such as {first}) and no kabar deploy manifest; nothing was changed\n  help: deploy to an empty bucket or prefix (s3://bucket/site/), or empty this one first",
                        bucket.url,
                        listing.len()
                    )));
                }
            }
            let have = from_listing(&listing);
            if pending.is_some() {
                resumed = tree
                    .files
                    .iter()
                    .filter(|(rel, e)| {
                        have.get(*rel) == Some(*e)
                            && remote
                                .as_ref()
                                .is_none_or(|r| r.files.get(*rel) != Some(*e))
                    })
                    .count();
            }
            have
        }
    };
    let plan = super::plan(tree, &have, &owned);
    // A dry run shows the whole plan, the deletions the guard would stop included.
    if !opts.dry_run {
        super::guard(&plan, opts)?;
    }
    let mut report = DeployReport {
        target: bucket.url.clone(),
        resumed,
        ..DeployReport::default()
    };
    let up_to_date = remote.as_ref().is_some_and(|r| r.files == tree.files);
    if opts.dry_run
        || (plan.uploads.is_empty() && plan.deletes.is_empty() && up_to_date && pending.is_none())
    {
        report.plan = plan;
        report.requests = bucket.requests.load(Ordering::Relaxed);
        return Ok(report);
    }
    report.bytes = apply(opts, tree, bucket, &plan).await?;
    report.plan = plan;
    report.requests = bucket.requests.load(Ordering::Relaxed);
    Ok(report)
}

/// Objects whose ETag is an MD5; others (multipart uploads, encrypted objects) are
/// treated as different and sent again.
fn from_listing(listing: &BTreeMap<String, (u64, Option<[u8; 16]>)>) -> BTreeMap<String, Entry> {
    listing
        .iter()
        .filter_map(|(rel, (size, md5))| {
            Some((
                rel.clone(),
                Entry {
                    md5: (*md5)?,
                    size: *size,
                },
            ))
        })
        .collect()
}

/// A few files the manifest names, checked against the bucket: a bucket emptied, copied
/// or edited by hand is caught before anything is sent on a false premise.
async fn check_samples(bucket: &Bucket, remote: &Tree) -> Result<(), Error> {
    let files: Vec<_> = remote.files.iter().collect();
    let mut picks: Vec<usize> = (0..SAMPLES).map(|i| i * files.len() / SAMPLES).collect();
    picks.dedup();
    for i in picks {
        let Some((rel, want)) = files.get(i) else {
            continue;
        };
        bucket.count(1);
        let key = bucket.key(rel);
        let got = match again(|| bucket.store.head(&key)).await {
            Err(object_store::Error::NotFound { .. }) => None,
            other => Some(other.map_err(|e| bucket.fail(&format!("check {rel}"), &e))?),
        };
        let md5 = got
            .as_ref()
            .and_then(|m| m.e_tag.as_deref())
            .and_then(|t| parse_md5(t.trim_matches('"')));
        let size = got.as_ref().map(|m| m.size);
        if size != Some(want.size) || md5.is_some_and(|m| m != want.md5) {
            let what = if got.is_none() {
                "is missing"
            } else {
                "differs"
            };
            return Err(Error::Mismatch(format!(
                "the manifest in {} does not match the bucket: {rel} {what}; nothing was changed\n  help: run again with --verify to compare against a listing of the bucket and send what differs",
                bucket.url
            )));
        }
    }
    Ok(())
}

/// pending record → assets → pages → deletions → manifest → pending record removed.
async fn apply(
    opts: &DeployOptions,
    tree: &Tree,
    bucket: &Bucket,
    plan: &Plan,
) -> Result<u64, Error> {
    let text = |t: &Tree| {
        t.to_text()
            .map_err(|e| Error::Failed(format!("cannot write the manifest: {e}")))
    };
    let published = Tree::new(tree.files.clone());
    let manifest = text(&published)?.into_bytes();
    let plain = |t: &str| Attributes::from_iter([(Attribute::ContentType, t.to_string())]);
    bucket
        .put(
            PENDING,
            manifest.clone(),
            plain("text/plain; charset=utf-8"),
        )
        .await?;
    let total = AtomicU64::new(0);
    let bytes = &total;
    let split = plan.uploads.partition_point(|rel| !super::is_page(rel));
    for group in [&plan.uploads[..split], &plan.uploads[split..]] {
        futures_util::stream::iter(group)
            .map(|rel| async move {
                let want = tree
                    .files
                    .get(rel)
                    .ok_or_else(|| Error::Build(format!("{rel} is not in the manifest")))?;
                let body = super::read_built(&opts.output, rel, want)?;
                let len = body.len() as u64;
                let attributes = Attributes::from_iter([
                    (Attribute::ContentType, super::content_type(rel).to_string()),
                    (
                        Attribute::CacheControl,
                        super::cache_control(rel).to_string(),
                    ),
                ]);
                bucket.put(rel, body, attributes).await?;
                bytes.fetch_add(len, Ordering::Relaxed);
                Ok::<(), Error>(())
            })
            .buffer_unordered(PARALLEL)
            .try_collect::<()>()
            .await?;
    }
    if !plan.deletes.is_empty() {
        let keys: Vec<_> = plan.deletes.iter().map(|rel| bucket.key(rel)).collect();
        bucket.count(plan.deletes.len().div_ceil(1000));
        again(|| {
            let keys = futures_util::stream::iter(keys.clone().into_iter().map(Ok));
            bucket
                .store
                .delete_stream(keys.boxed())
                .try_collect::<Vec<_>>()
        })
        .await
        .map_err(|e| bucket.fail("delete removed files", &e))?;
    }
    bucket
        .put(MANIFEST, manifest, plain("text/plain; charset=utf-8"))
        .await?;
    bucket.count(1);
    let pending = bucket.key(PENDING);
    match again(|| bucket.store.delete(&pending)).await {
        Err(e) if !matches!(e, object_store::Error::NotFound { .. }) => {
            return Err(bucket.fail("remove the record of the deploy under way", &e));
        }
        _ => {}
    }
    Ok(total.into_inner())
}
