package io.jrump.modtest;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;

/** Boots a kernel and prints where its classes came from; run by {@link ModulePathTest} in a JVM with jrump on the module path. */
public final class ModulePathMain {
    private ModulePathMain() {
    }

    public static void main(String[] args) {
        try (RumpKernel k = Rump.builder().boot()) {
            System.out.println("platform=" + k.platformName() + " module=" + k.getClass().getModule().getName()
                    + " api=" + Rump.class.getModule().getName());
        }
    }
}
