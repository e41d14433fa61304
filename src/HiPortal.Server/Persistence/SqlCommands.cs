using System.Data.Common;

namespace HiPortal.Server.Persistence;

/// <summary>Hand-written statements run many times in one transaction: the command and its parameters made once.</summary>
public static class SqlCommands
{
    /// <summary>A command (in <paramref name="transaction"/>, if any) with one parameter per name, in order, to bind by index.</summary>
    public static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, params string[] parameterNames)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
