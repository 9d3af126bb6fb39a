package dev.mlcp.platform.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ComputePricesTest {

  @Test
  void predefined_shapes_price_vcpus_and_memory_of_their_family() {
    // e2-standard-4: 4 vCPU, 16 GB.
    assertThat(ComputePrices.machinePerHour("e2-standard-4"))
        .isCloseTo(4 * 0.021811 + 16 * 0.002923, within(1e-9));
    // n1 has its own memory ratios: highmem 6.5 GB per vCPU.
    assertThat(ComputePrices.machinePerHour("n1-highmem-8"))
        .isCloseTo(8 * 0.031611 + 52 * 0.004237, within(1e-9));
    assertThat(ComputePrices.machinePerHour("e2-medium")).isEqualTo(0.0335);
  }

  @Test
  void custom_and_gpu_named_shapes_are_priced() {
    assertThat(ComputePrices.machinePerHour("n2-custom-6-24576"))
        .isCloseTo(6 * 0.031611 + 24 * 0.004237, within(1e-9));
    // a2-highgpu-2: 24 vCPUs and 170 GB; a3 priced the same way.
    assertThat(ComputePrices.machinePerHour("a2-highgpu-2"))
        .isCloseTo(24 * 0.031611 + 170 * 0.004237, within(1e-9));
    assertThat(ComputePrices.machinePerHour("a3-highgpu-1")).isGreaterThan(0);
  }

  @Test
  void gpus_add_per_gpu_hour_and_spot_discounts_the_whole() {
    double onDemand = ComputePrices.perHour("n1-standard-8", "nvidia-tesla-t4", 2, false);
    assertThat(onDemand)
        .isCloseTo(ComputePrices.machinePerHour("n1-standard-8") + 2 * 0.35, within(1e-9));
    assertThat(ComputePrices.perHour("n1-standard-8", "nvidia-tesla-t4", 2, true))
        .isCloseTo(onDemand * ComputePrices.SPOT_FACTOR, within(1e-9));
    assertThat(ComputePrices.perHour("n1-standard-8", "nvidia-tesla-p100", 1, false))
        .isGreaterThan(ComputePrices.machinePerHour("n1-standard-8"));
  }

  @Test
  void unknown_shapes_and_gpus_cost_nothing_rather_than_a_made_up_figure() {
    assertThat(ComputePrices.machinePerHour(null)).isZero();
    assertThat(ComputePrices.machinePerHour("z9-standard-4")).isZero();
    assertThat(ComputePrices.machinePerHour("not a shape")).isZero();
    assertThat(ComputePrices.perHour("e2-standard-2", "nvidia-unknown", 4, false))
        .isEqualTo(ComputePrices.machinePerHour("e2-standard-2"));
  }

  @Test
  void a_disk_bills_per_gb_month_and_amounts_round_to_a_hundredth_of_a_cent() {
    assertThat(ComputePrices.disk(100, 730)).isCloseTo(10.0, within(1e-9));
    assertThat(ComputePrices.round(0.123456)).isEqualTo(0.1235);
  }
}
