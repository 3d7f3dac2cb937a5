//! The hello example's own code, run against the emulator.

#[allow(dead_code, unreachable_pub)] // the example's `main` and printing are not used here
#[path = "../../examples/hello.rs"]
mod example;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_bot_answers_and_the_emulator_sees_the_reply() {
    let transcript = example::offline(false).await.unwrap();
    assert_eq!(transcript.reply.content, "Hello!");
    assert_eq!(transcript.exchange, ["alice: $hello", "Tether Bot: Hello!"]);
}
