//! The dashboard's publish worker: one thread taking jobs on a bounded channel, sending a
//! form's records with the engine's paced loop, and saving forms as templates. News carries
//! the dialog's job id.

use super::audit::Line;
use super::send::{self, Event, SendOptions};
use super::{Form, Vars};
use crate::config::Cluster;
use crate::domain::event::{KafkaEvent, PublishUpdate};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use tokio::sync::mpsc;

#[derive(Debug)]
pub enum PublishCmd {
    Send {
        job: u64,
        form: Box<Form>,
        vars: Vars,
        count: u64,
        rate: Option<f64>,
        cancel: Arc<AtomicBool>,
    },
    Save {
        form: Box<Form>,
        name: String,
    },
}

pub struct PublishHandle {
    pub commands: SyncSender<PublishCmd>,
}

pub struct PublishContext {
    pub cluster: Cluster,
    pub options: SendOptions,
    /// The user's templates folder (save as template).
    pub templates_dir: Option<PathBuf>,
    /// The audit file of publish runs.
    pub audit: Option<PathBuf>,
}

pub fn spawn(ctx: PublishContext, events: mpsc::Sender<KafkaEvent>) -> PublishHandle {
    let (tx, rx) = sync_channel(4);
    let _ = std::thread::Builder::new()
        .name("kdeck-publish".into())
        .spawn(move || run(ctx, events, rx));
    PublishHandle { commands: tx }
}

fn run(ctx: PublishContext, events: mpsc::Sender<KafkaEvent>, cmds: Receiver<PublishCmd>) {
    let send = |u: PublishUpdate| events.blocking_send(KafkaEvent::Publish(u)).is_ok();
    while let Ok(cmd) = cmds.recv() {
        let alive = match cmd {
            PublishCmd::Send {
                job,
                form,
                vars,
                count,
                rate,
                cancel,
            } => send_form(&ctx, job, &form, &vars, count, rate, &cancel, &send),
            PublishCmd::Save { form, name } => send(PublishUpdate::Saved(save(&ctx, &form, &name))),
        };
        if !alive {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn send_form(
    ctx: &PublishContext,
    job: u64,
    form: &Form,
    vars: &Vars,
    count: u64,
    rate: Option<f64>,
    cancel: &AtomicBool,
    send: &dyn Fn(PublishUpdate) -> bool,
) -> bool {
    let opts = SendOptions {
        rate,
        ..ctx.options.clone()
    };
    let mut source = |seq: u64| {
        if seq > count {
            return None;
        }
        // Record 1 is the one the preview showed; the next ones get their own seq, time and ids.
        let v = if seq == 1 {
            vars.clone()
        } else {
            vars.next(seq, chrono::Utc::now().timestamp_millis())
        };
        Some(form.render(&v).map_err(|e| {
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        }))
    };
    let mut first = None;
    let mut first_sent = false;
    let mut on_event = |ev: Event| {
        let _ = match ev {
            Event::Progress(progress) => send(PublishUpdate::Progress { job, progress }),
            Event::Failed { error, .. } => send(PublishUpdate::Failed { job, error }),
            Event::Delivered(d) => {
                if first.is_none() {
                    first = Some(d.clone());
                }
                if !first_sent {
                    first_sent = true;
                    // The record itself was rendered by the source; re-render record 1 for it.
                    match form.render(vars) {
                        Ok(record) => send(PublishUpdate::First { job, record, at: d }),
                        Err(_) => true,
                    }
                } else {
                    true
                }
            }
        };
    };
    let run = crate::replay::new_run_id();
    crate::log::publish_start(&run, &form.template.name, Some(count), None);
    if let Some(path) = &ctx.audit {
        let topic = form.render(vars).ok().map(|r| r.topic);
        let start = Line::Start {
            run: &run,
            by: &crate::replay::audit::who(),
            at: crate::replay::audit::now_text(),
            source: &form.template.name,
            count: Some(count),
            topic: topic.as_deref(),
        };
        // A write that cannot be audited is not made.
        if let Err(e) = super::audit::append(path, &start) {
            crate::log::publish_end::<&anyhow::Error>(&run, Err(&e), &ctx.cluster.properties);
            return send(PublishUpdate::Finished {
                job,
                result: Err(format!("{e:#}")),
            });
        }
    }
    let result = send::run(&ctx.cluster, &opts, &mut source, cancel, &mut on_event)
        .map_err(|e| format!("{e:#}"));
    crate::log::publish_end(&run, result.as_ref(), &ctx.cluster.properties);
    if let (Some(path), Ok(s)) = (&ctx.audit, &result) {
        let end = Line::End {
            run: &run,
            at: crate::replay::audit::now_text(),
            acked: s.acked,
            failed: s.failed,
            topics: s.topics.iter().map(String::as_str).collect(),
            result: if s.ok() { "ok" } else { "failed" },
        };
        let _ = super::audit::append(path, &end);
    }
    send(PublishUpdate::Finished {
        job,
        result: result.map(|s| (s, first)),
    })
}

/// Writes the form as a template named `name` into the user's templates folder, its current
/// values as the fields' defaults. Never overwrites a built-in's file silently: the file is
/// `<name>.toml` and a user template of that name replaces the built-in by design.
fn save(ctx: &PublishContext, form: &Form, name: &str) -> Result<String, String> {
    let dir = ctx
        .templates_dir
        .as_ref()
        .ok_or("no config folder for templates: set KDECK_CONFIG_DIR")?;
    let mut t = form.template.clone();
    t.name = name.to_string();
    for (i, f) in t.fields.iter_mut().enumerate() {
        f.default = form.value(i).to_string();
    }
    let text = toml::to_string_pretty(&t).map_err(|e| format!("writing the template: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}
