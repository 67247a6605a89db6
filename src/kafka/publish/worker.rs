//! The dashboard's publish worker: one thread taking jobs on a bounded channel, sending a
//! form's records with the engine's paced loop, and saving forms as templates. News carries
//! the dialog's job id.

use super::send::{self, Event, SendOptions};
use crate::domain::event::{KafkaEvent, PublishUpdate};
use crate::domain::work::Ticket;
use crate::engine::publish::audit::Line;
use crate::engine::publish::schema::SchemaEncoding;
use crate::engine::publish::{Form, Vars};
use crate::kafka::worker::{report, Worker};
use crate::support::config::Cluster;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use tokio::sync::mpsc;

#[derive(Debug)]
pub enum PublishCmd {
    Send {
        job: Ticket,
        form: Box<Form>,
        vars: Vars,
        count: u64,
        rate: Option<f64>,
        /// Each value is encoded with it before it is sent.
        schema: Option<SchemaEncoding>,
    },
    Save {
        form: Box<Form>,
        name: String,
    },
}

pub struct PublishContext {
    pub cluster: Cluster,
    pub options: SendOptions,
    /// The user's templates folder (save as template).
    pub templates_dir: Option<PathBuf>,
    /// The audit file of publish runs.
    pub audit: Option<PathBuf>,
}

pub fn spawn(ctx: PublishContext, events: mpsc::Sender<KafkaEvent>) -> Worker<PublishCmd> {
    Worker::spawn("publish", 4, &events.clone(), move |rx| {
        run(ctx, events, rx)
    })
}

fn run(ctx: PublishContext, events: mpsc::Sender<KafkaEvent>, cmds: Receiver<PublishCmd>) {
    while let Ok(cmd) = cmds.recv() {
        let alive = match cmd {
            PublishCmd::Send {
                job,
                form,
                vars,
                count,
                rate,
                schema,
            } => {
                let send = |u| report(&events, &job, KafkaEvent::Publish(u));
                let b = Burst {
                    form: &form,
                    vars: &vars,
                    count,
                    schema: schema.as_ref(),
                };
                send_form(&ctx, &job, &b, rate, &send)
            }
            PublishCmd::Save { form, name } => {
                let saved = PublishUpdate::Saved(save(&ctx, &form, &name));
                events.blocking_send(KafkaEvent::Publish(saved)).is_ok()
            }
        };
        if !alive {
            return;
        }
    }
}

/// One burst of a form: what the dialog asked for.
struct Burst<'a> {
    form: &'a Form,
    vars: &'a Vars,
    count: u64,
    schema: Option<&'a SchemaEncoding>,
}

fn send_form(
    ctx: &PublishContext,
    ticket: &Ticket,
    b: &Burst<'_>,
    rate: Option<f64>,
    send: &dyn Fn(PublishUpdate) -> bool,
) -> bool {
    let job = ticket.gen();
    let (form, vars, count) = (b.form, b.vars, b.count);
    let run = crate::engine::replay::new_run_id();
    crate::support::log::publish_start(&run, &form.template.name, Some(count), None);
    // A write that cannot be audited is not made.
    if let Err(e) = audit_start(ctx, b, &run) {
        crate::support::log::publish_end::<&anyhow::Error>(&run, Err(&e), &ctx.cluster.properties);
        return send(PublishUpdate::Finished {
            job,
            result: Err(format!("{e:#}")),
        });
    }
    let opts = SendOptions {
        rate,
        ..ctx.options.clone()
    };
    let mut source = |seq: u64| b.record(seq);
    let mut first = None;
    let mut on_event = |ev: Event| {
        let _ = match ev {
            Event::Progress(progress) => send(PublishUpdate::Progress { job, progress }),
            Event::Failed { error, .. } => send(PublishUpdate::Failed { job, error }),
            Event::Delivered(d) if first.is_none() => {
                first = Some(d.clone());
                // Record 1 is the one the preview showed: the dashboard follows its job.
                match form.render(vars) {
                    Ok(record) => send(PublishUpdate::First { job, record, at: d }),
                    Err(_) => true,
                }
            }
            Event::Delivered(_) => true,
        };
    };
    let result = send::run(
        &ctx.cluster,
        &opts,
        &mut source,
        ticket.flag(),
        &mut on_event,
    )
    .map_err(|e| format!("{e:#}"));
    crate::support::log::publish_end(&run, result.as_ref(), &ctx.cluster.properties);
    if let Ok(s) = &result {
        audit_end(ctx, &run, s);
    }
    send(PublishUpdate::Finished {
        job,
        result: result.map(|s| (s, first)),
    })
}

impl Burst<'_> {
    /// Record `seq`: 1 is the one the preview showed; the next get their own seq, time and ids.
    fn record(&self, seq: u64) -> Option<Result<crate::domain::publish::PublishRecord, String>> {
        if seq > self.count {
            return None;
        }
        let v = if seq == 1 {
            self.vars.clone()
        } else {
            self.vars.next(seq, chrono::Utc::now().timestamp_millis())
        };
        let r = self.form.render(&v).map_err(|e| {
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        });
        Some(match self.schema {
            Some(s) => r.and_then(|r| s.encode(r)),
            None => r,
        })
    }
}

fn audit_start(ctx: &PublishContext, b: &Burst, run: &str) -> anyhow::Result<()> {
    let Some(path) = &ctx.audit else {
        return Ok(());
    };
    let topic = b.form.render(b.vars).ok().map(|r| r.topic);
    // As `kdeck publish` names it: the template, and the schema the values were encoded with.
    let source = match b.schema {
        Some(s) => format!("{} as {}", b.form.template.name, s.label()),
        None => b.form.template.name.clone(),
    };
    let start = Line::Start {
        run,
        by: &crate::engine::replay::audit::who(),
        at: crate::engine::replay::audit::now_text(),
        source: &source,
        count: Some(b.count),
        topic: topic.as_deref(),
    };
    crate::engine::publish::audit::append(path, &start)
}

fn audit_end(ctx: &PublishContext, run: &str, s: &send::Summary) {
    if let Some(path) = &ctx.audit {
        let end = Line::End {
            run,
            at: crate::engine::replay::audit::now_text(),
            acked: s.acked,
            failed: s.failed,
            topics: s.topics.iter().map(String::as_str).collect(),
            result: if s.ok() { "ok" } else { "failed" },
        };
        let _ = crate::engine::publish::audit::append(path, &end);
    }
}

/// Writes the form as a template named `name` into the user's templates folder, its current
/// values as the fields' defaults; a user template of that name replaces the built-in by design.
fn save(ctx: &PublishContext, form: &Form, name: &str) -> Result<String, String> {
    let dir = ctx
        .templates_dir
        .as_ref()
        .ok_or("no config folder for templates: set KDECK_CONFIG_DIR")?;
    crate::engine::publish::template::save(dir, &form.as_template(name))
        .map(|p| p.display().to_string())
}
