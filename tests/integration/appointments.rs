//! Appointments (issue 12, item 6), from the refused side: overlapping bookings of a doctor, a
//! patient or a room (also two at once at two copies of careledger on one database), bookings
//! for someone else, bad times; the queue's steps; a booking puts the doctor on the care team.

use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, csrf_from, sign_in};
use crate::{app, dual};

struct Desk {
    house: Session,
    wilson: Session,
    desk: Session,
    patient: Session,
    other: Session,
}

async fn desk(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let wilson = app.staff("wilson@example.org", "doctor", "James Wilson", &admin).await;
    let desk = app.staff("desk@example.org", "receptionist", "Rita Reception", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    Desk { house, wilson, desk, patient, other }
}

/// Tomorrow at `hh:mm` UTC, RFC 3339.
fn at(app: &TestApp, hh: u32, mm: u32) -> String {
    let day = (app.clock.now() + chrono::Duration::days(1)).date_naive();
    careledger::clock::format(day.and_hms_opt(hh, mm, 0).unwrap().and_utc())
}

/// `minutes` from now, on the next 5-minute boundary, RFC 3339.
fn soon(app: &TestApp, minutes: i64) -> String {
    let t = app.clock.now() + chrono::Duration::minutes(minutes);
    let slot = (t.timestamp() / 300 + 1) * 300;
    careledger::clock::format(chrono::DateTime::from_timestamp(slot, 0).unwrap())
}

fn booking(doctor: &Session, patient: &Session, start: &str, end: &str, room: Option<&str>) -> Value {
    json!({"doctor_id": doctor.id, "patient_id": patient.id, "start": start, "end": end, "room": room, "reason": "Follow-up"})
}

async fn bookings_never_overlap_for_a_doctor_a_patient_or_a_room(backend: Backend) {
    let app = app!(backend);
    let d = desk(&app).await;
    let book = |who: &Session, body: Value| {
        let token = who.access.clone();
        let app = &app;
        async move { app.post("/api/v1/appointments", Some(&token), &body).await }
    };
    let r = book(&d.desk, booking(&d.house, &d.patient, &at(&app, 9, 0), &at(&app, 9, 30), Some("Room 1"))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "booked");
    assert_eq!(r.body["reason"], "Follow-up");
    let first = r.body["id"].as_str().unwrap().to_string();
    // The doctor is on the patient's care team now: they read the (empty) chart.
    assert_eq!(app.get(&format!("/api/v1/patients/{}/allergies", d.patient.id), Some(&d.house.access)).await.status, 200);

    // Overlaps, each refused by the slot it shares: the doctor, the patient, the room.
    book(&d.desk, booking(&d.house, &d.other, &at(&app, 9, 25), &at(&app, 9, 45), None)).await.assert_problem(409, "appointment_conflict");
    book(&d.desk, booking(&d.wilson, &d.patient, &at(&app, 8, 45), &at(&app, 9, 5), None))
        .await
        .assert_problem(409, "appointment_conflict");
    book(&d.desk, booking(&d.wilson, &d.other, &at(&app, 9, 10), &at(&app, 9, 20), Some("room 1")))
        .await
        .assert_problem(409, "appointment_conflict");
    // Back to back is fine; so is another room at the same time.
    assert_eq!(book(&d.desk, booking(&d.house, &d.other, &at(&app, 9, 30), &at(&app, 10, 0), Some("Room 1"))).await.status, 201);
    assert_eq!(book(&d.desk, booking(&d.wilson, &d.other, &at(&app, 8, 0), &at(&app, 8, 30), Some("Room 2"))).await.status, 201);

    // Bad times name their field.
    let r = book(&d.desk, booking(&d.house, &d.other, &at(&app, 11, 3), "tomorrow", None)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["start", "end"]);
    let past = careledger::clock::format(app.clock.now() - chrono::Duration::hours(2));
    book(&d.desk, json!({"doctor_id": d.house.id, "patient_id": d.other.id, "start": past, "end": at(&app, 1, 0)}))
        .await
        .assert_problem(422, "validation_failed");
    book(&d.desk, booking(&d.house, &d.other, &at(&app, 12, 0), &at(&app, 11, 0), None)).await.assert_problem(422, "validation_failed");
    book(&d.desk, booking(&d.house, &d.other, &at(&app, 0, 0), &at(&app, 9, 0), None)).await.assert_problem(422, "validation_failed");
    book(&d.desk, json!({"doctor_id": d.patient.id, "patient_id": d.other.id, "start": at(&app, 14, 0), "end": at(&app, 14, 30)}))
        .await
        .assert_problem(404, "doctor_not_found");

    // Patients and doctors book only for themselves; a doctor only patients they may read
    // already (a booking would put them on the care team).
    book(&d.other, booking(&d.house, &d.patient, &at(&app, 15, 0), &at(&app, 15, 30), None)).await.assert_problem(403, "forbidden");
    book(&d.wilson, booking(&d.house, &d.other, &at(&app, 15, 0), &at(&app, 15, 30), None)).await.assert_problem(403, "forbidden");
    assert_eq!(book(&d.other, booking(&d.house, &d.other, &at(&app, 15, 0), &at(&app, 15, 30), None)).await.status, 201);
    book(&d.wilson, booking(&d.wilson, &d.patient, &at(&app, 16, 0), &at(&app, 16, 30), None))
        .await
        .assert_problem(404, "patient_not_found");
    app.get(&format!("/api/v1/patients/{}/allergies", d.patient.id), Some(&d.wilson.access)).await.assert_problem(404, "patient_not_found");
    app.record(&d.wilson, &d.patient.id, "Second opinion", "visit").await;
    assert_eq!(book(&d.wilson, booking(&d.wilson, &d.patient, &at(&app, 16, 0), &at(&app, 16, 30), None)).await.status, 201);

    // Who sees what: the desk all, a doctor and a patient their own.
    let day = &at(&app, 0, 0)[..10];
    let count = |r: crate::helpers::Reply| r.body.as_array().map(Vec::len).unwrap_or(999);
    assert_eq!(count(app.get(&format!("/api/v1/appointments?day={day}"), Some(&d.desk.access)).await), 5);
    assert_eq!(count(app.get(&format!("/api/v1/appointments?day={day}"), Some(&d.house.access)).await), 3);
    assert_eq!(count(app.get("/api/v1/appointments", Some(&d.patient.access)).await), 2);
    app.get(&format!("/api/v1/appointments/{first}"), Some(&d.other.access)).await.assert_problem(404, "appointment_not_found");
    app.get(&format!("/api/v1/appointments/{first}"), Some(&d.wilson.access)).await.assert_problem(404, "appointment_not_found");
    app.get("/api/v1/appointments?day=someday", Some(&d.desk.access)).await.assert_problem(422, "validation_failed");
    let admin = app.login("admin@clinic.test").await;
    app.get("/api/v1/appointments", Some(&admin.access)).await.assert_problem(403, "forbidden");

    // Rescheduling into a clash is refused and leaves it where it was; cancelling frees the slot.
    let path = format!("/api/v1/appointments/{first}");
    app.patch(&path, Some(&d.desk.access), &json!({"start": at(&app, 9, 30), "end": at(&app, 10, 0)}))
        .await
        .assert_problem(409, "appointment_conflict");
    assert_eq!(app.get(&path, Some(&d.desk.access)).await.body["start"], at(&app, 9, 0).as_str());
    let r = app.patch(&path, Some(&d.patient.access), &json!({"start": at(&app, 11, 0), "end": at(&app, 11, 20)})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        book(&d.desk, booking(&d.house, &d.other, &at(&app, 9, 0), &at(&app, 9, 20), None)).await.status,
        201,
        "the old slot is free"
    );
    let r = app.patch(&path, Some(&d.patient.access), &json!({"status": "cancelled"})).await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.text);
    assert_eq!(book(&d.desk, booking(&d.house, &d.patient, &at(&app, 11, 0), &at(&app, 11, 20), None)).await.status, 201);
    // Every booking and change is a ledger entry (its event sealed), and the ledger verifies.
    let events: Vec<String> = sqlx::query_scalar("SELECT body FROM appointment_events WHERE appointment_id = $1 ORDER BY at")
        .bind(&first)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(events.len(), 3, "booked, moved, cancelled");
    assert!(events.iter().all(|b| !b.contains("Follow-up")), "{events:?}");
    let report = app.verify().await;
    assert!(report.ok(), "{report:?}");
}
dual!(bookings_never_overlap_for_a_doctor_a_patient_or_a_room);

async fn the_front_desk_moves_the_queue_and_only_it_checks_in(backend: Backend) {
    let app = app!(backend);
    let d = desk(&app).await;
    // One a day ahead, which cannot be checked in yet (more than 12 hours before it starts,
    // whatever the time of day the test runs), and one within the hour, which can.
    let r = app
        .post(
            "/api/v1/appointments",
            Some(&d.desk.access),
            &booking(&d.house, &d.patient, &soon(&app, 24 * 60), &soon(&app, 24 * 60 + 20), None),
        )
        .await;
    let later = r.body["id"].as_str().unwrap().to_string();
    let r = app.patch(&format!("/api/v1/appointments/{later}"), Some(&d.desk.access), &json!({"status": "checked_in"})).await;
    r.assert_problem(409, "invalid_transition");
    let (start, end) = (soon(&app, 30), soon(&app, 50));
    let r = app.post("/api/v1/appointments", Some(&d.desk.access), &booking(&d.house, &d.patient, &start, &end, None)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/appointments/{id}");
    let step = |who: &Session, to: &str| {
        let (token, body, path) = (who.access.clone(), json!({"status": to}), path.clone());
        let app = &app;
        async move { app.patch(&path, Some(&token), &body).await }
    };
    step(&d.house, "checked_in").await.assert_problem(403, "forbidden");
    step(&d.patient, "checked_in").await.assert_problem(403, "forbidden");
    step(&d.desk, "done").await.assert_problem(409, "invalid_transition");
    step(&d.desk, "lost").await.assert_problem(422, "validation_failed");
    assert_eq!(step(&d.desk, "checked_in").await.body["status"], "checked_in");
    assert_eq!(step(&d.house, "with_doctor").await.body["status"], "with_doctor");
    step(&d.patient, "cancelled").await.assert_problem(409, "invalid_transition");
    assert_eq!(step(&d.house, "done").await.body["status"], "done");
    app.patch(&path, Some(&d.desk.access), &json!({"start": at(&app, 12, 0), "end": at(&app, 12, 20)}))
        .await
        .assert_problem(409, "invalid_transition");

    // The page: the desk books and checks in.
    let b = sign_in(&app, "desk@example.org").await;
    let day = &at(&app, 0, 0)[..10];
    let html = b.get(app.url(&format!("/appointments?day={day}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Front desk") && html.contains("Pat Ient"), "{html}");
    let form = [
        ("csrf_token", csrf_from(&html)),
        ("doctor_id", d.wilson.id.clone()),
        ("patient_id", d.other.id.clone()),
        ("date", day.to_string()),
        ("time", "14:00".into()),
        ("minutes", "15".into()),
        ("room", "".into()),
        ("reason", "Blood pressure check".into()),
    ];
    let r = b.post(app.url("/appointments/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = b.get(app.url(r.headers()["location"].to_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Blood pressure check") && html.contains("Check in"), "{html}");
    let again = b.post(app.url("/appointments/new")).form(&form).send().await.unwrap();
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("already booked at an overlapping time"));
}
dual!(the_front_desk_moves_the_queue_and_only_it_checks_in);

async fn two_copies_booking_the_same_slot_at_once_book_it_once(backend: Backend) {
    let app = app!(backend);
    let d = desk(&app).await;
    let copy = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().clone()).await;
    for round in 0..6u32 {
        let (start, end) = (at(&app, 8 + round, 0), at(&app, 8 + round, 30));
        // The same doctor, two patients, overlapping by ten minutes, one at each copy.
        let a = booking(&d.house, &d.patient, &start, &end, None);
        let b = booking(&d.house, &d.other, &at(&app, 8 + round, 20), &at(&app, 8 + round, 40), None);
        let (x, y) = tokio::join!(
            app.post("/api/v1/appointments", Some(&d.desk.access), &a),
            copy.post("/api/v1/appointments", Some(&d.desk.access), &b)
        );
        let mut codes = [x.status.as_u16(), y.status.as_u16()];
        codes.sort();
        assert_eq!(codes, [201, 409], "round {round}: {} / {}", x.text, y.text);
    }
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(held, 6);
}
dual!(two_copies_booking_the_same_slot_at_once_book_it_once);
