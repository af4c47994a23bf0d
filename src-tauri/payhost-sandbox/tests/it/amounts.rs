//! Property: no sequence of request_pay / approve / fail / cancel leaves a payment's
//! paid and cancelled amounts inconsistent.

use payhost_sandbox::store::{NewPayment, Store};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Create { order: u8, amount: i64 },
    Approve { pick: usize },
    Fail { pick: usize },
    Cancel { pick: usize, amount: Option<i64> },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, -10i64..50_000).prop_map(|(order, amount)| Op::Create { order, amount }),
        (0usize..8).prop_map(|pick| Op::Approve { pick }),
        (0usize..8).prop_map(|pick| Op::Fail { pick }),
        (0usize..8, proptest::option::of(-100i64..60_000))
            .prop_map(|(pick, amount)| Op::Cancel { pick, amount }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: crate::support::regressions_beside_source(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn amounts_stay_consistent(ops in proptest::collection::vec(op(), 1..40)) {
        let mut store = Store::in_memory().unwrap();
        let mut ids: Vec<String> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            let now = 1_800_000_000 + i64::try_from(step).unwrap();
            let pick = |i: usize| ids.get(i % ids.len().max(1)).cloned();
            let _ = match op {
                Op::Create { order, amount } => store
                    .create(&NewPayment { merchant_uid: format!("o{order}"), amount, channel: "mobile".into(), ..NewPayment::default() }, now)
                    .map(|p| ids.push(p.imp_uid)),
                Op::Approve { pick: i } => match pick(i) { Some(id) => store.approve(&id, now).map(|_| ()), None => Ok(()) },
                Op::Fail { pick: i } => match pick(i) { Some(id) => store.fail(&id, "x", now).map(|_| ()), None => Ok(()) },
                Op::Cancel { pick: i, amount } => match pick(i) { Some(id) => store.cancel(&id, amount, "x", now, true).map(|_| ()), None => Ok(()) },
            };
            for id in &ids {
                let p = store.get(id).unwrap();
                let history: i64 = p.cancel_history.iter().map(|c| c.amount).sum();
                prop_assert!(p.amount > 0);
                prop_assert!(0 <= p.cancel_amount && p.cancel_amount <= p.amount, "{p:?}");
                prop_assert_eq!(history, p.cancel_amount);
                prop_assert_eq!(p.status == "cancelled", p.cancel_amount == p.amount && p.amount > 0 && p.paid_at > 0, "{:?}", p);
                if p.cancel_amount > 0 { prop_assert!(p.paid_at > 0, "cancelled before paid: {p:?}"); }
                if p.status == "failed" { prop_assert_eq!(p.paid_at, 0); prop_assert_eq!(p.cancel_amount, 0); }
            }
            // At most one paid-or-cancelled payment per order.
            for order in 0..4u8 {
                let settled = ids.iter().filter(|id| {
                    let p = store.get(id).unwrap();
                    p.merchant_uid == format!("o{order}") && (p.status == "paid" || p.status == "cancelled")
                }).count();
                prop_assert!(settled <= 1, "order o{order} settled {settled} times");
            }
        }
    }
}
