//! Billing keys (정기결제) apart from any protocol: what the sandbox's card company
//! does with a card a merchant sends or a payment app registers, and charges it by
//! one rule (`card`), and the task that fires scheduled charges when their time comes
//! (`scheduler`, beside the webhook sender). V1's API over them is `subscribe`,
//! V2's is `v2::billing`; the keys, charges and schedules are kept by the store
//! (`store::billing`, `store::schedules`).

pub mod card;
pub mod scheduler;
