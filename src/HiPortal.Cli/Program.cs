Console.WriteLine("hiportal");
