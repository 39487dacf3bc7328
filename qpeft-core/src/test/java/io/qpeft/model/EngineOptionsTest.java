package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

/**
 * Device and dtype parsing and selection, decided from a described engine build (CPU build, CUDA
 * build without a GPU, CUDA build with two GPUs), so every branch runs on a machine without one.
 */
class EngineOptionsTest {
  private static final EngineBuild CPU_BUILD = new EngineBuild("2.5.1", "cpu", 0);
  private static final EngineBuild CUDA_NO_GPU = new EngineBuild("2.5.1", "cu124", 0);
  private static final EngineBuild CUDA_TWO_GPUS = new EngineBuild("2.5.1", "cu124", 2);

  private static Placement place(String device, EngineBuild build) {
    return EngineOptions.builder().optDevice(device).build().place(build);
  }

  private static String error(String device, EngineBuild build) {
    return assertThrows(IllegalArgumentException.class, () -> place(device, build)).getMessage();
  }

  @Test
  void autoIsTheFirstGpuWhenTheCudaBuildSeesOneElseTheCpu() {
    assertEquals(Device.cpu(), place("auto", CPU_BUILD).device());
    assertEquals(Device.cpu(), place("auto", CUDA_NO_GPU).device());
    assertEquals(Device.gpu(0), place("auto", CUDA_TWO_GPUS).device());
    assertEquals(Device.gpu(0), EngineOptions.defaults().place(CUDA_TWO_GPUS).device());
  }

  @Test
  void explicitDevices() {
    assertEquals(Device.cpu(), place("cpu", CUDA_TWO_GPUS).device());
    assertEquals(Device.cpu(), place(" CPU ", CPU_BUILD).device());
    assertEquals(Device.gpu(0), place("cuda", CUDA_TWO_GPUS).device());
    assertEquals(Device.gpu(1), place("cuda:1", CUDA_TWO_GPUS).device());
    assertEquals("cuda:1", place("cuda:1", CUDA_TWO_GPUS).deviceName());
    assertEquals("cpu", place("cpu", CPU_BUILD).deviceName());
  }

  @Test
  void cudaOnTheCpuBuildSaysHowToGetTheCudaBuild() {
    String msg = error("cuda", CPU_BUILD);
    assertTrue(msg.contains("./mvnw -Pgpu package") && msg.contains("CPU build"), msg);
    assertTrue(msg.contains("--device cpu"), msg);
    assertTrue(error("cuda:0", CPU_BUILD).startsWith("device cuda:0 needs the CUDA build"));
  }

  @Test
  void cudaWithoutAVisibleGpuPointsAtTheDriver() {
    String msg = error("cuda", CUDA_NO_GPU);
    assertTrue(msg.contains("no GPU is visible") && msg.contains("nvidia-smi"), msg);
    assertTrue(msg.contains("CUDA 12.4"), msg);
    // a native library supplied another way: no build advice, only the driver
    assertTrue(error("cuda", new EngineBuild("2.5.1", "unknown", 0)).contains("no GPU"));
  }

  @Test
  void missingGpuIndexListsTheVisibleOnes() {
    String msg = error("cuda:2", CUDA_TWO_GPUS);
    assertEquals("device cuda:2 does not exist: 2 GPU(s) visible (cuda:0 to cuda:1)", msg);
  }

  @Test
  void badDeviceTextNamesTheAllowedValues() {
    for (String bad : new String[] {"gpu", "cuda:", "cuda:x", "cuda:-1", "tpu", "", "cuda:1:2"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> EngineOptions.builder().optDevice(bad));
      assertEquals("device must be auto, cpu, cuda or cuda:N, got '" + bad + "'", e.getMessage());
    }
  }

  @Test
  void dtypeParsingAndResolution() {
    assertEquals(DType.AUTO, DType.parse("auto"));
    assertEquals(DType.F32, DType.parse("F32"));
    assertEquals(DType.F16, DType.parse("f16"));
    String bf16 =
        assertThrows(IllegalArgumentException.class, () -> DType.parse("bf16")).getMessage();
    assertTrue(bf16.contains("no BF16") && bf16.contains("use f16"), bf16);
    String bad = assertThrows(IllegalArgumentException.class, () -> DType.parse("f8")).getMessage();
    assertEquals("dtype must be auto, f32 or f16, got 'f8'", bad);
    // auto: F32 on the CPU whatever the checkpoint; on a GPU the checkpoint's half precision
    assertEquals(DType.F32, DType.AUTO.resolve("BF16", false));
    assertEquals(DType.F32, DType.AUTO.resolve("F16", false));
    assertEquals(DType.F16, DType.AUTO.resolve("BF16", true));
    assertEquals(DType.F16, DType.AUTO.resolve("F16", true));
    assertEquals(DType.F32, DType.AUTO.resolve("F32", true));
    // an explicit dtype wins, on either device
    assertEquals(DType.F16, DType.F16.resolve("F32", false));
    assertEquals(DType.F32, DType.F32.resolve("BF16", true));
    Placement gpu = place("cuda", CUDA_TWO_GPUS);
    assertEquals(DType.AUTO, gpu.dtype());
    assertEquals(DType.F16, gpu.resolve("BF16").dtype());
  }

  @Test
  void batchTokensAndDescription() {
    EngineOptions o =
        EngineOptions.builder().optDevice("cuda:1").optDType("f16").optBatchTokens(4096).build();
    assertEquals("device cuda:1, dtype f16, batch tokens 4096", o.toString());
    assertEquals(0, EngineOptions.defaults().batchTokens());
    assertThrows(IllegalArgumentException.class, () -> EngineOptions.builder().optBatchTokens(-1));
    assertEquals("CPU", CPU_BUILD.label());
    assertEquals("CUDA 12.4", CUDA_NO_GPU.label());
    assertEquals("CUDA 11.8", new EngineBuild("2.5.1", "cu118", 1).label());
    assertEquals(
        "device cpu, PyTorch 2.5.1, CPU build, dtype f32",
        place("cpu", CPU_BUILD).resolve("F32").describe());
  }

  @Test
  void thisProcessIsDescribedConsistently() {
    // CI and the development machines run the default CPU build; gpu-check.sh runs -Pgpu
    EngineBuild here = EngineBuild.detect();
    if (here.flavor().equals("cpu")) assertEquals(0, here.gpuCount());
    assertEquals(
        here.gpuCount() > 0,
        EngineOptions.defaults().place(here).device().isGpu(),
        here.toString());
  }
}
