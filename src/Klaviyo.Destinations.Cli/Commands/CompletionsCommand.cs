using System.CommandLine;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// <c>klaviyo-dest completions bash|zsh|pwsh</c>: prints a shell script that completes commands and options by asking
/// klaviyo-dest itself (System.CommandLine's <c>[suggest]</c> directive), so completions always match the version installed.
/// </summary>
internal static class CompletionsCommand
{
    private const string Bash = """
        # klaviyo-dest completions for bash: eval "$(klaviyo-dest completions bash)" (e.g. in ~/.bashrc)
        _klaviyo_dest_complete() {
            local IFS=$'\n'
            COMPREPLY=( $(klaviyo-dest "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
        }
        complete -o default -F _klaviyo_dest_complete klaviyo-dest
        """;

    private const string Zsh = """
        # klaviyo-dest completions for zsh: eval "$(klaviyo-dest completions zsh)" (e.g. in ~/.zshrc)
        _klaviyo_dest_complete() {
            local -a candidates
            candidates=(${(f)"$(klaviyo-dest "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)"})
            compadd -a candidates
        }
        compdef _klaviyo_dest_complete klaviyo-dest
        """;

    private const string PowerShell = """
        # klaviyo-dest completions for PowerShell: klaviyo-dest completions pwsh | Out-String | Invoke-Expression
        Register-ArgumentCompleter -Native -CommandName klaviyo-dest -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            klaviyo-dest "[suggest:$cursorPosition]" "$commandAst" | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }
        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or pwsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "pwsh");
        var command = new Command("completions", "print a shell completion script: eval \"$(klaviyo-dest completions bash)\"") { shell };
        command.SetAction(result =>
        {
            Console.Out.WriteLine(result.GetValue(shell) switch
            {
                "zsh" => Zsh,
                "pwsh" => PowerShell,
                _ => Bash,
            });
            return 0;
        });
        return command;
    }
}
