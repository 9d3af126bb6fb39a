package dev.mlcp.cli;

import dev.mlcp.cli.http.Api;
import dev.mlcp.cli.output.Printer;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;

/**
 * What a command works with, resolved once from the global options.
 *
 * @param env the environment
 * @param endpoints mode and service URLs
 * @param api the REST client
 * @param printer answers to stdout
 * @param out standard output (answers, logs)
 * @param err standard error (progress, hints, errors)
 * @param clock the clock
 * @param poll how often waits poll
 */
public record Context(
    Env env,
    Endpoints endpoints,
    Api api,
    Printer printer,
    PrintStream out,
    PrintStream err,
    Clock clock,
    Duration poll) {}
