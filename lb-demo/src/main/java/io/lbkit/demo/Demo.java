package io.lbkit.demo;

/** Placeholder. */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) {
        System.out.println("lbkit demo");
    }
}
