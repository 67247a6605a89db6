//! The dashboard's replay worker: one thread that takes `ReplayCmd`s on a bounded channel,
//! runs the engine's blocking dry runs and sends, and reports `ReplayUpdate`s with the job id
//! the dialog gave, so late news of a replaced job can be dropped.

use super::ReplayContext;
use crate::domain::event::{KafkaEvent, ReplayCmd, ReplayUpdate};
use crate::domain::replay::{ReplayPlan, ReplayRequest};
use crate::domain::work::Ticket;
use crate::engine::replay::audit;
use crate::kafka::worker::{report, Worker};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Receiver;
use tokio::sync::mpsc;

pub fn spawn(ctx: ReplayContext, events: mpsc::Sender<KafkaEvent>) -> Worker<ReplayCmd> {
    Worker::spawn("replay", 4, &events.clone(), move |rx| run(ctx, events, rx))
}

fn run(ctx: ReplayContext, events: mpsc::Sender<KafkaEvent>, cmds: Receiver<ReplayCmd>) {
    // The last dry run, so a confirmed replay sends exactly what the dialog showed.
    let mut last: Option<(u64, Vec<ReplayPlan>)> = None;
    while let Ok(cmd) = cmds.recv() {
        let alive = match cmd {
            ReplayCmd::Plan { job, requests } => {
                let result = plan_all(&ctx, &requests, job.flag());
                if let Ok(plans) = &result {
                    last = Some((job.gen(), plans.clone()));
                }
                let news = ReplayUpdate::Planned {
                    job: job.gen(),
                    result,
                };
                report(&events, &job, KafkaEvent::Replay(news))
            }
            ReplayCmd::Run { job, requests } => {
                let planned = match last.take() {
                    Some((j, plans)) if j == job.gen() && same_set(&plans, &requests) => Ok(plans),
                    _ => plan_all(&ctx, &requests, job.flag()),
                };
                let plans = planned.map(|ps| with_options(ps, &requests));
                execute_all(&ctx, &job, plans, &events)
            }
            ReplayCmd::Resume { job, runs } => {
                let plans = runs
                    .iter()
                    .map(|run| {
                        super::resume_plan(&ctx, run, job.flag())
                            .map_err(|e| format!("resuming run {run}: {e:#}"))
                    })
                    .collect();
                execute_all(&ctx, &job, plans, &events)
            }
            ReplayCmd::Counts(dlqs) => counts(&ctx, dlqs, &events),
        };
        if !alive {
            return;
        }
    }
}

/// How often the DLQ topics' records were replayed (the pane's marks: not a job's news, so
/// never dropped as late).
fn counts(ctx: &ReplayContext, dlqs: Vec<String>, events: &mpsc::Sender<KafkaEvent>) -> bool {
    dlqs.into_iter().all(|dlq| {
        let counts = audit::replay_counts(&ctx.audit_dir, &dlq);
        events
            .blocking_send(KafkaEvent::Replay(ReplayUpdate::Counts { dlq, counts }))
            .is_ok()
    })
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
    ticket: &Ticket,
    plans: Result<Vec<ReplayPlan>, String>,
    events: &mpsc::Sender<KafkaEvent>,
) -> bool {
    let job = ticket.gen();
    let send = |u| report(events, ticket, KafkaEvent::Replay(u));
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
        match super::execute(ctx, plan, ticket.flag(), &mut on_event) {
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
    }) && counts(ctx, dlqs, events)
}
