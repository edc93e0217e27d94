package io.inrank.trainer.config;

/**
 * The trainer's settings table as a plain main: {@code inrank train --help} runs this, not the Quarkus application, so
 * the help answers without starting a service (the trainer's own {@code --help} prints the same text).
 */
public final class SettingsHelp {
    private SettingsHelp() {}

    public static void main(String[] args) {
        System.out.println(SettingKeys.help());
    }
}
