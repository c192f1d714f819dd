//! Events analysis found (falls, fights): a list with the picture of each event's peak, a
//! timeline strip under a player with each service's events and the playhead, and a "why" panel
//! with the score components at the peak and the rules that opened and closed the event.

use api::Event;
use leptos::prelude::*;
use uuid::Uuid;

use crate::{format, http, live::use_live};

/// `GET /api/events?{query}`, fetched again whenever new events arrive over the websocket.
pub fn events_resource(query: String) -> LocalResource<Result<Vec<Event>, http::Failure>> {
    let live = use_live();
    LocalResource::new(move || {
        live.events_changed.get();
        let url = format!("/api/events?{query}");
        async move {
            let mut list = http::get::<Vec<Event>>(url).await?;
            list.sort_by(|a, b| {
                (a.video_id, a.start_secs)
                    .partial_cmp(&(b.video_id, b.start_secs))
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            Ok(list)
        }
    })
}

fn people(e: &Event) -> String {
    let ids: Vec<String> = e.tracks.iter().map(|t| format!("#{t}")).collect();
    format!(
        "{} {}",
        if e.tracks.len() == 1 {
            "person"
        } else {
            "people"
        },
        ids.join(", ")
    )
}

/// One line per event: picture, service, when, how long, how sure, who. Picking one calls
/// `on_pick` (the video page seeks there; the job page opens the video at that moment).
#[component]
pub fn EventList(
    events: Vec<Event>,
    #[prop(into)] selected: Signal<Option<Uuid>>,
    on_pick: Callback<Event>,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted">"No events: nothing crossed a service's threshold for long enough."</p> }
            .into_any();
    }
    view! {
        <ul class="events">
            {events.into_iter().map(|e| {
                let id = e.id;
                let picked = e.clone();
                let title = format!(
                    "{} at {}, score {:.2}",
                    e.service,
                    format::clock(e.start_secs),
                    e.score
                );
                view! {
                    <li class="event" data-event=id.to_string() data-service=e.service.clone()
                        class:selected=move || selected.get() == Some(id)>
                        <button class="event-pick" title=title on:click=move |_| on_pick.run(picked.clone())>
                            {e.has_thumbnail.then(|| view! {
                                <img src=format!("/api/events/{id}/thumbnail") alt=format!("{} at its peak", e.service)
                                    loading="lazy" width="160"/>
                            })}
                            <span class="event-text">
                                <strong class=format!("service {}", e.service)>{e.service.clone()}</strong>
                                <span class="event-when">{format::clock(e.start_secs)}" – "{format::clock(e.end_secs)}
                                    <span class="muted">{format!(" ({:.1} s)", e.end_secs - e.start_secs)}</span></span>
                                <span class="event-score">"score "{format!("{:.2}", e.score)}</span>
                                <span class="muted">{people(&e)}{e.recovered.then_some(" · got up again")}</span>
                            </span>
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A strip per service under the player: each event a coloured span, the playhead a line.
#[component]
pub fn Timeline(
    events: Vec<Event>,
    duration: f64,
    #[prop(into)] now: Signal<f64>,
    #[prop(into)] selected: Signal<Option<Uuid>>,
    on_pick: Callback<Event>,
) -> impl IntoView {
    let duration = duration.max(0.001);
    let pct = move |t: f64| (t / duration * 100.0).clamp(0.0, 100.0);
    let mut services: Vec<String> = vec!["fall".into(), "fight".into()];
    for e in &events {
        if !services.contains(&e.service) {
            services.push(e.service.clone());
        }
    }
    view! {
        <div class="timeline" role="group" aria-label="Events on the timeline">
            {services.into_iter().map(|service| {
                let mine: Vec<Event> = events.iter().filter(|e| e.service == service).cloned().collect();
                view! {
                    <div class="lane" data-service=service.clone()>
                        <span class="lane-name">{service.clone()}</span>
                        <div class="lane-track">
                            {mine.into_iter().map(|e| {
                                let id = e.id;
                                let left = pct(e.start_secs);
                                // short events stay visible and clickable
                                let width = (pct(e.end_secs) - left).max(0.8);
                                let label = format!("{} {}–{}", e.service, format::clock(e.start_secs), format::clock(e.end_secs));
                                let picked = e.clone();
                                view! {
                                    <button class=format!("span service {}", e.service) data-event=id.to_string()
                                        class:selected=move || selected.get() == Some(id)
                                        style=format!("left:{left:.3}%;width:{width:.3}%")
                                        title=label.clone() aria-label=label
                                        on:click=move |_| on_pick.run(picked.clone())></button>
                                }
                            }).collect_view()}
                            <div class="playhead" style=move || format!("left:{:.3}%", pct(now.get()))></div>
                        </div>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// Why an event was raised: each score component at its peak, and the rules in words.
#[component]
pub fn WhyPanel(event: Event) -> impl IntoView {
    let components: Vec<(String, f64)> = event.explanation["components_at_peak"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.replace('_', " "), v.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    let text = |key: &str| {
        event.explanation[key]
            .as_str()
            .unwrap_or("not recorded")
            .to_string()
    };
    view! {
        <section class="why" aria-labelledby="why-title">
            <h3 id="why-title">"Why this "{event.service.clone()}" was raised"</h3>
            <p>{format!(
                "Peak score {:.2} at {} (frame {}), {}.",
                event.score,
                format::clock(event.peak_secs),
                event.peak_frame,
                people(&event)
            )}</p>
            <dl class="components">
                {components.into_iter().map(|(name, value)| view! {
                    <dt>{name.clone()}</dt>
                    <dd>
                        <span class="bar"><span class="fill" style=format!("width:{:.0}%", value.clamp(0.0, 1.0) * 100.0)></span></span>
                        <span class="value">{format!("{value:.2}")}</span>
                    </dd>
                }).collect_view()}
            </dl>
            <p><strong>"Opened: "</strong>{text("opened_by")}</p>
            <p><strong>"Closed: "</strong>{text("closed_by")}</p>
        </section>
    }
}
