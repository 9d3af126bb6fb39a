package dev.mlcp.cli.commands;

import dev.mlcp.cli.http.Api;
import picocli.CommandLine.Option;

/** {@code --page-size} and {@code --page-token} of listings. */
public final class PageOptions {
  @Option(names = "--page-size", description = "items per page (the service's default when absent)")
  Integer pageSize;

  @Option(names = "--page-token", description = "the page after a listing's 'more: --page-token'")
  String pageToken;

  Api.Call apply(Api.Call call) {
    return call.query("pageSize", pageSize).query("pageToken", pageToken);
  }
}
