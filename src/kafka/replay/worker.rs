//! The dashboard's replay worker: one thread that takes `ReplayCmd`s on a bounded channel,
//! runs the engine's blocking dry runs and sends, and reports `ReplayUpdate`s with the job id
//! the dialog gave, so late news of a replaced job can be dropped.

use super::ReplayContext;
use crate::domain::event::{KafkaEvent, ReplayCmd, ReplayUpdate};
use crate::domain::replay::{ReplayPlan, ReplayRequest};
use crate::engine::replay::audit;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use tokio::sync::mpsc;

pub struct ReplayHandle {
    pub commands: SyncSender<ReplayCmd>,
}

pub fn spawn(ctx: ReplayContext, events: mpsc::Sender<KafkaEvent>) -> ReplayHandle {
    let (tx, rx) = sync_channel(4);
    let _ = std::thread::Builder::new()
        .name("kdeck-replay".into())
        .spawn(move || run(ctx, events, rx));
    ReplayHandle { commands: tx }
}

fn run(ctx: ReplayContext, events: mpsc::Sender<KafkaEvent>, cmds: Receiver<ReplayCmd>) {
    let send = |u: ReplayUpdate| events.blocking_send(KafkaEvent::Replay(u)).is_ok();
    // The last dry run, so a confirmed replay sends exactly what the dialog showed.
    let mut last: Option<(u64, Vec<ReplayPlan>)> = None;
    while let Ok(cmd) = cmds.recv() {
        let alive = match cmd {
            ReplayCmd::Plan {
                job,
                requests,
                cancel,
            } => {
                let result = plan_all(&ctx, &requests, &cancel);
                if let Ok(plans) = &result {
                    last = Some((job, plans.clone()));
                }
                send(ReplayUpdate::Planned { job, result })
            }
            ReplayCmd::Run {
                job,
                requests,
                cancel,
            } => {
                let planned = match last.take() {
                    Some((j, plans)) if j == job && same_set(&plans, &requests) => Ok(plans),
                    _ => plan_all(&ctx, &requests, &cancel),
                };
                let plans = planned.map(|ps| with_options(ps, &requests));
                execute_all(&ctx, job, plans, &cancel, &send)
            }
            ReplayCmd::Resume { job, runs, cancel } => {
                let plans = runs
                    .iter()
                    .map(|run| {
                        super::resume_plan(&ctx, run, &cancel)
                            .map_err(|e| format!("resuming run {run}: {e:#}"))
                    })
                    .collect();
                execute_all(&ctx, job, plans, &cancel, &send)
            }
            ReplayCmd::Counts(dlqs) => dlqs.into_iter().all(|dlq| {
                let counts = audit::replay_counts(&ctx.audit_dir, &dlq);
                send(ReplayUpdate::Counts { dlq, counts })
            }),
        };
        if !alive {
            return;
        }
    }
}

fn plan_all(
    ctx: &ReplayContext,
    requests: &[ReplayRequest],
    cancel: &AtomicBool,
) -> Result<Vec<ReplayPlan>, String> {
    requests
        .iter()
        .map(|r| super::plan(ctx, r.clone(), cancel).map_err(|e| format!("{}: {e:#}", r.dlq)))
        .collect()
}

/// A dry run can be sent as is when the user changed only options that do not move records
/// (rate, stop on error): the selection, targets and value are the same.
fn same_set(plans: &[ReplayPlan], requests: &[ReplayRequest]) -> bool {
    plans.len() == requests.len()
        && plans.iter().zip(requests).all(|(p, r)| {
            let a = &p.request;
            a.dlq == r.dlq
                && a.selection == r.selection
                && a.to == r.to
                && a.force_to == r.force_to
                && a.keep_partition == r.keep_partition
                && a.value_edit == r.value_edit
                && a.filter == r.filter
        })
}

fn with_options(mut plans: Vec<ReplayPlan>, requests: &[ReplayRequest]) -> Vec<ReplayPlan> {
    for (p, r) in plans.iter_mut().zip(requests) {
        p.request.rate = r.rate;
        p.request.stop_on_error = r.stop_on_error;
    }
    plans
}

fn execute_all(
    ctx: &ReplayContext,
    job: u64,
    plans: Result<Vec<ReplayPlan>, String>,
    cancel: &AtomicBool,
    send: &dyn Fn(ReplayUpdate) -> bool,
) -> bool {
    let plans = match plans {
        Ok(p) => p,
        Err(e) => {
            return send(ReplayUpdate::Finished {
                job,
                result: Err(e),
            })
        }
    };
    // A DLQ topic with nothing selected gets no run (and no audit file).
    let plans: Vec<ReplayPlan> = plans
        .into_iter()
        .filter(|p| p.total > 0 || p.resume.is_some())
        .collect();
    let mut summaries = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        let mut on_event = |ev| {
            let _ = send(match ev {
                crate::domain::replay::ReplayEvent::Progress(progress) => ReplayUpdate::Progress {
                    job,
                    index,
                    progress,
                },
                crate::domain::replay::ReplayEvent::Failed(failure) => {
                    ReplayUpdate::Failed { job, failure }
                }
            });
        };
        match super::execute(ctx, plan, cancel, &mut on_event) {
            Ok(s) => summaries.push(s),
            Err(e) => {
                return send(ReplayUpdate::Finished {
                    job,
                    result: Err(format!("{}: {e:#}", plan.request.dlq)),
                })
            }
        }
    }
    let dlqs: Vec<String> = plans.iter().map(|p| p.request.dlq.clone()).collect();
    send(ReplayUpdate::Finished {
        job,
        result: Ok(summaries),
    }) && dlqs.into_iter().all(|dlq| {
        let counts = audit::replay_counts(&ctx.audit_dir, &dlq);
        send(ReplayUpdate::Counts { dlq, counts })
    })
}
