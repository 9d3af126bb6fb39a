package dev.mlcp.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CodeListsTest {

  @Test
  void terraform_lists_are_generated_from_the_code_as_it_is() throws IOException {
    Path file = Repo.terraform().resolve(CodeLists.FILE);
    if (Boolean.getBoolean("mlcp.regenerate")) {
      CodeLists.write(file);
    }
    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .as(
            "%s is stale: a topic, subscription, scheduled job or channel changed in the code."
                + " Regenerate it (infra/terraform/README.md, 'Lists from the code') and add what"
                + " the policy tests then ask for (grants, README table rows).",
            file)
        .isEqualTo(CodeLists.render());
  }
}
